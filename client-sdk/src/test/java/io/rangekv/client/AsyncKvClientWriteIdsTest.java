package io.rangekv.client;

import io.rangekv.client.pd.PdClient;
import io.rangekv.client.route.PutCoalescer;
import io.rangekv.client.route.RegionRequestSender;
import io.rangekv.client.route.RouteCache;
import io.rangekv.client.route.RouteEntry;
import io.rangekv.client.route.WriteSequencer;
import io.rangekv.client.rpc.StoreTransport;
import io.rangekv.error.UnknownResultException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;
import io.rangekv.proto.gen.KvProto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hazard 8, client side: a delete or batch put the SDK sends again after an unknown outcome names the same
 * mutations (client id and seqs) as the first attempt, so the store applies them at most once; a delete-range,
 * which has no ids, is not sent again. The transport fails
 * the first attempt of every request with an unknown outcome and answers the second.
 */
class AsyncKvClientWriteIdsTest {
    private static final Region WHOLE = new Region(1, KeyRange.ALL, new RegionEpoch(1, 1),
            List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3)));

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<KvProto.Request> sent = new ArrayList<>();
    private final WriteSequencer writes = new WriteSequencer(0xC11E47L);

    private final PdClient pd = new PdClient() {
        @Override
        public CompletableFuture<RouteEntry> regionByKey(Key key) {
            return CompletableFuture.completedFuture(RouteEntry.of(WHOLE));
        }

        @Override
        public CompletableFuture<RouteEntry> regionBefore(Key key) {
            return regionByKey(key);
        }

        @Override
        public CompletableFuture<Store> store(long storeId) {
            return CompletableFuture.completedFuture(new Store(storeId, "store" + storeId + ":1",
                    "store" + storeId + ":2", Map.of(), StoreState.UP));
        }
    };

    private final StoreTransport transport = (address, request, deadline) -> {
        KvProto.Request built = request.build();
        boolean first;
        synchronized (sent) {
            first = sent.stream().noneMatch(r -> r.getMethodCase() == built.getMethodCase());
            sent.add(built);
        }
        if (first) {
            return CompletableFuture.failedFuture(new UnknownResultException(built.getRequestId(),
                    "connection dropped after send", null));
        }
        KvProto.Response.Builder out = KvProto.Response.newBuilder().setRequestId(built.getRequestId());
        return CompletableFuture.completedFuture(switch (built.getMethodCase()) {
            case DELETE -> out.setDelete(KvProto.DeleteResponse.getDefaultInstance()).build();
            case BATCH_PUT -> out.setBatchPut(KvProto.BatchPutResponse.getDefaultInstance()).build();
            default -> throw new AssertionError(built.getMethodCase());
        });
    };

    private AsyncKvClient client() {
        RouteCache routes = new RouteCache(100, Duration.ofMinutes(10), System::nanoTime);
        RegionRequestSender sender = new RegionRequestSender(routes, pd, transport, Runnable::run, timer);
        PutCoalescer puts = new PutCoalescer(sender, routes, KvClientConfig.DEFAULTS.putCoalescing(), writes);
        return new AsyncKvClient(sender, puts, writes, routes, pd, KvClientConfig.DEFAULTS, Runnable::run);
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aRetriedDeleteOrBatchPutCarriesTheSameIds() throws Exception {
        AsyncKvClient client = client();
        client.delete(Key.of("k")).get(10, TimeUnit.SECONDS);
        Map<Key, byte[]> pairs = new LinkedHashMap<>();
        pairs.put(Key.of("a"), new byte[] {1});
        pairs.put(Key.of("b"), new byte[] {2});
        client.batchPut(pairs).get(10, TimeUnit.SECONDS);

        List<KvProto.Request> deletes = sent.stream().filter(KvProto.Request::hasDelete).toList();
        List<KvProto.Request> batches = sent.stream().filter(KvProto.Request::hasBatchPut).toList();
        assertEquals(2, deletes.size(), "the delete was retried after its unknown outcome");
        assertEquals(2, batches.size(), "so was the batch put");
        assertEquals(deletes.get(0).getWriteIds(), deletes.get(1).getWriteIds());
        assertEquals(batches.get(0).getWriteIds(), batches.get(1).getWriteIds());
        assertEquals(0xC11E47L, deletes.get(0).getWriteIds().getClientId());
        assertEquals(List.of(1L), deletes.get(0).getWriteIds().getSeqsList());
        assertEquals(List.of(2L, 3L), batches.get(0).getWriteIds().getSeqsList(), "one seq per pair, in order");
        assertTrue(batches.get(0).getWriteIds().getLowestUnanswered() == 2, "the delete had its answer by then");
        assertEquals(0, writes.outstanding());
    }

    /** A delete-range carries no ids, so after an unknown outcome it is not sent again: the caller is told. */
    @Test
    void aDeleteRangeWithAnUnknownOutcomeIsNotRetried() {
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class,
                () -> client().deleteRange(new KeyRange(Key.of("a"), Key.of("c"))).get(10, TimeUnit.SECONDS));
        org.junit.jupiter.api.Assertions.assertInstanceOf(UnknownResultException.class, e.getCause());
        assertEquals(1, sent.stream().filter(KvProto.Request::hasDeleteRange).count());
    }
}
