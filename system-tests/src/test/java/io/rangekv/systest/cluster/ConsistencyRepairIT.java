package io.rangekv.systest.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.pd.PdConfig;
import io.rangekv.pd.PdNode;
import io.rangekv.store.cluster.Await;
import io.rangekv.store.cluster.TestCluster;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.heartbeat.PdLink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The replica consistency check end to end, with the PD and three stores in this JVM: one key is written straight
 * into store 2's engine, behind Raft's back. A check asked through the admin API finds store 2's replica differing
 * from the other two; the PD quarantines it and, with no spare store, removes it and adds a new replica on store 2,
 * which starts from a RaftSnapshot. The next check finds the three replicas consistent and the key restored.
 */
class ConsistencyRepairIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PdLink FAST = new PdLink(List.of(), Duration.ofMillis(200), Duration.ofMillis(500));
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    private final Opened opened = new Opened();

    @AfterEach
    void stop() throws Exception {
        opened.close();
    }

    @Test
    void aReplicaCorruptedBehindRaftsBackIsFoundQuarantinedAndReplaced() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, PdCluster.noAutoSplit()
                .withBalance(false, false).withConsistencyCheckInterval(Duration.ZERO)));
        TestCluster cluster = opened.keep(TestCluster.builder().dataDir(dir.resolve("stores"))
                .engine(EngineKind.ROCKSDB).stores(3).pd(FAST.withEndpoints(pd.rpcEndpoints())).start());
        KvClient kv = opened.keep(KvClient.connect(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(30)),
                pd.rpcEndpoints()));
        for (int i = 0; i < 100; i++) {
            kv.put(Key.of("key-" + i), ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        PdNode leader = pd.awaitLeader();
        long regionId = leader.metadata().regions().iterator().next().regionId();
        JsonNode clean = check(pd, regionId, 0);
        assertEquals(true, clean.path("consistent").asBoolean(), clean.toString());

        long before = peerOn(leader, regionId, 2);
        cluster.store(2).orElseThrow().engine().write(new WriteBatch()
                .put(Keys.data(Key.of("key-7")), "corrupted".getBytes(StandardCharsets.UTF_8)));
        JsonNode found = check(pd, regionId, clean.path("index").asLong());
        assertEquals(false, found.path("consistent").asBoolean(), found.toString());
        assertEquals("[2]", found.path("diverged_stores").toString(), found.toString());

        Await.until("store 2's replica of region " + regionId + " replaced", WAIT, () -> {
            Region now = leader.metadata().regionById(regionId).orElseThrow();
            return now.peerOnStore(2).filter(Peer::isVoter).map(p -> p.peerId() != before).orElse(false)
                    && now.voters().size() == 3 && cluster.replica(2, regionId)
                    .map(p -> !p.isAwaitingSnapshot() && p.peerId() != before).orElse(false);
        }, () -> get(pd, "/operators") + "\n" + cluster.dump());
        JsonNode repaired = check(pd, regionId, found.path("index").asLong());
        assertEquals(true, repaired.path("consistent").asBoolean(), repaired.toString());
        assertArrayEquals("value-7".getBytes(StandardCharsets.UTF_8),
                cluster.store(2).orElseThrow().engine().get(Keys.data(Key.of("key-7"))));
        assertArrayEquals("value-7".getBytes(StandardCharsets.UTF_8),
                kv.get(Key.of("key-7"), ReadConsistency.LINEARIZABLE).orElseThrow());
    }

    private static long peerOn(PdNode leader, long regionId, long storeId) {
        return leader.metadata().regionById(regionId).orElseThrow().peerOnStore(storeId).orElseThrow().peerId();
    }

    /**
     * Asks for a check of the region and returns its verdict once one newer than {@code afterIndex} is in. The PD
     * keeps the request until the region has a leader and no operator, so one request is enough.
     */
    private static JsonNode check(PdCluster pd, long regionId, long afterIndex) throws Exception {
        post(pd, "/regions/" + regionId + "/check");
        JsonNode[] verdict = new JsonNode[1];
        Await.until("a consistency verdict on region " + regionId + " after index " + afterIndex, WAIT, () -> {
            try {
                for (JsonNode r : JSON.readTree(get(pd, "/consistency")).path("regions")) {
                    if (r.path("region_id").asLong() == regionId && r.path("index").asLong() > afterIndex) {
                        verdict[0] = r;
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, () -> get(pd, "/consistency"));
        return verdict[0];
    }

    private static void post(PdCluster pd, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                        + pd.httpEndpoints().get(0) + "/pd/api/v1" + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
    }

    private static String get(PdCluster pd, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                    + pd.httpEndpoints().get(0) + "/pd/api/v1" + path)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            return "(GET " + path + " failed: " + e + ")";
        }
    }
}
