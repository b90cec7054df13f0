package io.rangekv.store.cluster;

import com.google.protobuf.ByteString;
import io.rangekv.client.rpc.Responses;
import io.rangekv.client.rpc.StoreClientPool;
import io.rangekv.meta.Key;
import io.rangekv.meta.Region;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every KV method over the wire against a real three-store cluster (RocksDB), sent to the region's leader as a
 * client would: compare-and-put, put-if-absent, batches, delete-range, and scans with limit, reverse, keys-only,
 * clipped to the region that serves them. Scan pages are capped at 64 bytes here, to see the cap work.
 */
class KvMethodsIT {
    @TempDir
    Path dir;
    private TestCluster cluster;
    private StoreClientPool pool;

    @BeforeEach
    void start() {
        cluster = TestCluster.builder().dataDir(dir).engine(EngineKind.ROCKSDB)
                .rpcSetting("rpc.max-scan-bytes", "64").start();
        pool = new StoreClientPool(1, 1);
    }

    @AfterEach
    void stop() {
        pool.close();
        try {
            cluster.assertReplicasConverged();
        } finally {
            cluster.close();
        }
    }

    /**
     * Sends to the region's leader, retrying while leadership settles (a new leader is busy until its first
     * entry commits): that is the client's job, and this test checks the methods, not the routing.
     */
    private KvProto.Response call(long regionId, KvProto.Request.Builder request) {
        KvProto.Response[] answer = new KvProto.Response[1];
        Await.until("region " + regionId + " to answer " + request.getMethodCase(), TestCluster.WAIT, () -> {
            Region region = cluster.regionAtLeader(regionId);
            request.setHeader(KvProto.RequestHeader.newBuilder().setRegionId(regionId)
                    .setEpoch(MetaCodec.toProto(region.epoch())));
            String leader = cluster.liveStores().get(cluster.leaderOf(regionId));
            KvProto.Response response = pool.call(leader, request, Deadline.after(Duration.ofSeconds(10)))
                    .join();
            try {
                Responses.throwIfError(response);
            } catch (io.rangekv.error.KvException e) {
                if (e.kind().errorClass() == io.rangekv.error.ErrorKind.ErrorClass.REQUEST) {
                    throw new AssertionError("request refused: " + e.getMessage(), e);
                }
                return false;
            }
            answer[0] = response;
            return true;
        }, cluster::dump);
        return answer[0];
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static KvProto.KvPair pair(String k, String v) {
        return KvProto.KvPair.newBuilder().setKey(b(k)).setValue(b(v)).build();
    }

    private List<String> scanKeys(long regionId, KvProto.ScanRequest.Builder scan) throws Exception {
        return call(regionId, KvProto.Request.newBuilder().setScan(scan)).getScan().getPairsList().stream()
                .map(p -> p.getKey().toStringUtf8() + (p.getValue().isEmpty() ? "" : "=" + p.getValue().toStringUtf8()))
                .toList();
    }

    @Test
    void aRegionThisStoreDoesNotHostIsAClearErrorAndTheConnectionStaysUsable() throws Exception {
        String leader = cluster.liveStores().get(cluster.leaderOf(1));
        KvProto.Response response = pool.call(leader, KvProto.Request.newBuilder()
                        .setHeader(KvProto.RequestHeader.newBuilder().setRegionId(999))
                        .setGet(KvProto.GetRequest.newBuilder().setKey(b("k"))),
                Deadline.after(Duration.ofSeconds(5))).get(10, TimeUnit.SECONDS);
        io.rangekv.error.KvException error = org.junit.jupiter.api.Assertions.assertThrows(
                io.rangekv.error.KvException.class, () -> Responses.throwIfError(response));
        assertEquals(io.rangekv.error.ErrorKind.REGION_NOT_FOUND, error.kind());
        assertTrue(error.getMessage().contains("999"), error.getMessage());
        call(1, KvProto.Request.newBuilder().setPut(KvProto.PutRequest.newBuilder().setKey(b("k"))
                .setValue(b("v"))));
    }

    @Test
    void compareAndPutAndPutIfAbsent() throws Exception {
        KvProto.CompareAndPutResponse created = call(1, KvProto.Request.newBuilder().setCompareAndPut(
                KvProto.CompareAndPutRequest.newBuilder().setKey(b("k")).setExpectAbsent(true).setValue(b("1"))))
                .getCompareAndPut();
        assertTrue(created.getSucceeded());
        assertFalse(created.getPreviousFound());
        KvProto.CompareAndPutResponse stale = call(1, KvProto.Request.newBuilder().setCompareAndPut(
                KvProto.CompareAndPutRequest.newBuilder().setKey(b("k")).setExpected(b("0")).setValue(b("2"))))
                .getCompareAndPut();
        assertFalse(stale.getSucceeded(), "a mismatch is a result, not an error");
        assertEquals("1", stale.getPrevious().toStringUtf8());
        assertTrue(call(1, KvProto.Request.newBuilder().setCompareAndPut(KvProto.CompareAndPutRequest.newBuilder()
                .setKey(b("k")).setExpected(b("1")).setValue(b("2")))).getCompareAndPut().getSucceeded());
        KvProto.PutIfAbsentResponse taken = call(1, KvProto.Request.newBuilder().setPutIfAbsent(
                KvProto.PutIfAbsentRequest.newBuilder().setKey(b("k")).setValue(b("3")))).getPutIfAbsent();
        assertFalse(taken.getSucceeded());
        assertEquals("2", taken.getPrevious().toStringUtf8());
        assertTrue(call(1, KvProto.Request.newBuilder().setPutIfAbsent(KvProto.PutIfAbsentRequest.newBuilder()
                .setKey(b("fresh")).setValue(b("x")))).getPutIfAbsent().getSucceeded());
        assertEquals("2", call(1, KvProto.Request.newBuilder().setGet(KvProto.GetRequest.newBuilder()
                .setKey(b("k")))).getGet().getValue().toStringUtf8());
    }

    @Test
    void batchesAndDeleteRange() throws Exception {
        call(1, KvProto.Request.newBuilder().setBatchPut(KvProto.BatchPutRequest.newBuilder()
                .addPairs(pair("a", "1")).addPairs(pair("b", "2")).addPairs(pair("c", "3"))
                .addPairs(pair("d", "4")).addPairs(pair("e", "5"))));
        KvProto.BatchGetResponse got = call(1, KvProto.Request.newBuilder().setBatchGet(
                KvProto.BatchGetRequest.newBuilder().addKeys(b("e")).addKeys(b("zz")).addKeys(b("a")))).getBatchGet();
        assertEquals(List.of(pair("e", "5"), pair("a", "1")), got.getPairsList(), "found keys, in request order");
        call(1, KvProto.Request.newBuilder().setBatchDelete(KvProto.BatchDeleteRequest.newBuilder()
                .addKeys(b("a")).addKeys(b("zz"))));
        call(1, KvProto.Request.newBuilder().setDeleteRange(KvProto.DeleteRangeRequest.newBuilder()
                .setStartKey(b("c")).setEndKey(b("e"))));
        assertEquals(List.of("b=2", "e=5"), scanKeys(1, KvProto.ScanRequest.newBuilder()));
        call(1, KvProto.Request.newBuilder().setDeleteRange(KvProto.DeleteRangeRequest.newBuilder()
                .setStartKey(b("c"))));
        assertEquals(List.of("b=2"), scanKeys(1, KvProto.ScanRequest.newBuilder()));
    }

    @Test
    void aKeyTwiceInOneBatchPutKeepsTheLaterValueOnEveryReplica() throws Exception {
        // The client's put coalescing may carry two puts of one key in one BATCH_PUT, in the order they were made;
        // the store keeps the list's order through the Raft log and the apply, so the later value wins everywhere
        // (the replicas are compared after the test).
        call(1, KvProto.Request.newBuilder().setBatchPut(KvProto.BatchPutRequest.newBuilder()
                .addPairs(pair("k", "first")).addPairs(pair("j", "other")).addPairs(pair("k", "second"))));
        assertEquals(List.of("j=other", "k=second"), scanKeys(1, KvProto.ScanRequest.newBuilder()));
    }

    @Test
    void aScanPageStopsAtTheByteCapAndSaysThereIsMore() throws Exception {
        KvProto.BatchPutRequest.Builder puts = KvProto.BatchPutRequest.newBuilder();
        for (int i = 0; i < 5; i++) {
            puts.addPairs(pair("big" + i, "v".repeat(27)));
        }
        call(1, KvProto.Request.newBuilder().setBatchPut(puts));
        KvProto.ScanResponse first = call(1, KvProto.Request.newBuilder().setScan(KvProto.ScanRequest.newBuilder()))
                .getScan();
        assertEquals(3, first.getPairsCount(), "31 bytes a pair: the third crosses 64 bytes and ends the page");
        assertTrue(first.getMore());
        ByteString after = ByteString.copyFrom(Key.of(first.getPairs(2).getKey().toStringUtf8() + "\0").toBytes());
        KvProto.ScanResponse rest = call(1, KvProto.Request.newBuilder().setScan(KvProto.ScanRequest.newBuilder()
                .setStartKey(after))).getScan();
        assertEquals(List.of("big3", "big4"), rest.getPairsList().stream().map(p -> p.getKey().toStringUtf8())
                .toList());
        assertFalse(rest.getMore());
    }

    @Test
    void scansHonourLimitDirectionKeysOnlyAndTheRegionsRange() throws Exception {
        KvProto.BatchPutRequest.Builder puts = KvProto.BatchPutRequest.newBuilder();
        for (char c = 'a'; c <= 'j'; c++) {
            puts.addPairs(pair(String.valueOf(c), String.valueOf(c).toUpperCase()));
        }
        call(1, KvProto.Request.newBuilder().setBatchPut(puts));
        assertEquals(List.of("c=C", "d=D", "e=E"), scanKeys(1, KvProto.ScanRequest.newBuilder()
                .setStartKey(b("c")).setLimit(3)));
        assertEquals(List.of("f=F", "e=E"), scanKeys(1, KvProto.ScanRequest.newBuilder()
                .setStartKey(b("c")).setEndKey(b("g")).setReverse(true).setLimit(2)));
        assertEquals(List.of("h", "i", "j"), scanKeys(1, KvProto.ScanRequest.newBuilder()
                .setStartKey(b("h")).setKeysOnly(true)));
        assertTrue(call(1, KvProto.Request.newBuilder().setScan(KvProto.ScanRequest.newBuilder().setLimit(3)))
                .getScan().getMore(), "a page ended by the limit says there is more");
        assertFalse(call(1, KvProto.Request.newBuilder().setScan(KvProto.ScanRequest.newBuilder()
                .setStartKey(b("h")))).getScan().getMore(), "the last page of the region says there is no more");
        Region right = cluster.split(1, Key.of("f"));
        // The left region serves [, f) only; the right one the rest.
        assertEquals(List.of("d=D", "e=E"), scanKeys(1, KvProto.ScanRequest.newBuilder().setStartKey(b("d"))));
        assertEquals(List.of("j=J", "i=I"), scanKeys(right.regionId(), KvProto.ScanRequest.newBuilder()
                .setReverse(true).setLimit(2)));
    }
}
