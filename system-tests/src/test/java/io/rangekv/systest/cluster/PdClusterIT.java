package io.rangekv.systest.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.meta.Key;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.rpc.PdRpcClient;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;
import io.rangekv.pd.PdNode;
import io.rangekv.store.cluster.Await;
import io.rangekv.store.cluster.TestCluster;
import io.rangekv.store.engine.EngineKind;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The placement driver with real stores in one JVM: the PD bootstraps the cluster once three stores registered,
 * routes clients, splits regions when an admin asks over HTTP and when a region passes the key threshold, and moves
 * a leader on request — while a client keeps writing.
 */
class PdClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PdLink FAST_HEARTBEATS = new PdLink(List.of(), Duration.ofMillis(200), Duration.ofMillis(200));

    @TempDir
    Path dir;
    private final Opened opened = new Opened();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    @AfterEach
    void stop() throws Exception {
        opened.close();
    }

    private TestCluster stores(PdCluster pd) {
        return opened.keep(TestCluster.builder().dataDir(dir.resolve("stores")).engine(EngineKind.MEMORY)
                .pd(FAST_HEARTBEATS.withEndpoints(pd.rpcEndpoints())).start());
    }

    private KvClient client(PdCluster pd) {
        return opened.keep(KvClient.connect(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(30)),
                pd.rpcEndpoints()));
    }

    private static Key key(int i) {
        return Key.of(String.format("k%05d", i));
    }

    private static byte[] value(int i) {
        return ("v" + i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bootstrapsRoutesAndSplitsOnAdminRequest() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, PdCluster.noAutoSplit()));
        stores(pd);
        KvClient kv = client(pd);
        kv.put(key(1), value(1));
        assertArrayEquals(value(1), kv.get(key(1)).orElseThrow());
        PdNode leader = pd.awaitLeader();
        assertEquals(1, leader.metadata().regions().size());
        Region first = leader.metadata().regions().iterator().next();
        assertEquals(3, first.peers().size());
        assertEquals(3, leader.metadata().stores().size());

        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService writers = Executors.newFixedThreadPool(2);
        AtomicInteger written = new AtomicInteger();
        java.util.Set<Integer> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int offset = w;
            running.add(writers.submit(() -> {
                for (int i = offset; writing.get() && i < 20_000; i += 2) {
                    kv.put(key(i), value(i));
                    acknowledged.add(i);
                    written.incrementAndGet();
                }
            }));
        }
        Await.until("some writes", Duration.ofSeconds(30), () -> written.get() > 200);
        String api = "http://" + pd.httpEndpoints().get(0) + "/pd/api/v1";
        JsonNode split = post(api + "/regions/" + first.regionId() + "/split", "{\"key\": \"k00100\"}");
        assertTrue(split.get("done").asBoolean(), split::toPrettyString);
        assertEquals(2, split.get("regions").size());
        Await.until("more writes after the split", Duration.ofSeconds(30), () -> written.get() > 600);

        JsonNode regions = get(api + "/regions");
        assertEquals(2, regions.get("count").asInt(), regions::toPrettyString);
        JsonNode right = regions.get("regions").get(1);
        assertEquals("k00100", right.get("start_key").asText());
        Await.until("the new region's leader reported", Duration.ofSeconds(30),
                () -> !get(api + "/regions/" + right.get("id").asLong()).get("leader").isNull());
        long leaderStore = get(api + "/regions/" + right.get("id").asLong()).get("leader").get("store_id").asLong();
        long target = leaderStore % 3 + 1;
        JsonNode moved = post(api + "/regions/" + right.get("id").asLong() + "/transfer-leader",
                "{\"store_id\": " + target + "}");
        assertTrue(moved.get("done").asBoolean(), moved::toPrettyString);
        Await.until("writes after the leader moved", Duration.ofSeconds(30), () -> written.get() > 1000);

        writing.set(false);
        for (Future<?> f : running) {
            f.get(60, TimeUnit.SECONDS);
        }
        writers.shutdown();
        int total = written.get();
        for (int i : acknowledged) {
            assertArrayEquals(value(i), kv.get(key(i)).orElseThrow(), "acknowledged key " + i);
        }
        JsonNode stores = get(api + "/stores");
        assertEquals(3, stores.get("count").asInt());
        System.out.printf("PD split + transfer under load: %d writes, %s absorbed%n", total,
                kv.retries().snapshot());
    }

    @Test
    void splitsAutomaticallyPastTheKeyThreshold() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, PdCluster.splitAtKeys(300)));
        stores(pd);
        KvClient kv = client(pd);
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            kv.put(key(i), value(i));
        }
        PdNode leader = pd.awaitLeader();
        Await.until("at least three regions", Duration.ofSeconds(60),
                () -> leader.metadata().regions().size() >= 3, () -> leader.metadata().regions().toString());
        for (int i = 0; i < n; i++) {
            assertArrayEquals(value(i), kv.get(key(i)).orElseThrow(), "key " + i);
        }
        System.out.printf("automatic split: %d regions for %d keys, client absorbed %s%n",
                leader.metadata().regions().size(), n, kv.retries().snapshot());
    }

    @Test
    void aSecondProcessWithALiveStoresIdIsRefused() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, PdCluster.noAutoSplit()));
        pd.awaitLeader();
        try (PdRpcClient rpc = new PdRpcClient(pd.rpcEndpoints(), "test-pd")) {
            register(rpc, "127.0.0.1:1000").get(10, TimeUnit.SECONDS);
            rpc.call(PdProto.PdRequest.newBuilder().setStoreHeartbeat(PdProto.StoreHeartbeatRequest.newBuilder()
                    .setStoreId(9)), Deadline.after(Duration.ofSeconds(10))).get(10, TimeUnit.SECONDS);
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> register(rpc, "127.0.0.1:2000").get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("already used by a live store"), e.getCause().toString());
            register(rpc, "127.0.0.1:1000").get(10, TimeUnit.SECONDS); // the same process again is fine
        }
    }

    private static java.util.concurrent.CompletableFuture<PdProto.PdResponse> register(PdRpcClient rpc,
                                                                                   String raftAddress) {
        return rpc.call(PdProto.PdRequest.newBuilder().setPutStore(PdProto.PutStoreRequest.newBuilder()
                .setStore(MetaCodec.toProto(new Store(9, "127.0.0.1:999", raftAddress, java.util.Map.of(),
                        StoreState.UP)))), Deadline.after(Duration.ofSeconds(10)));
    }

    private JsonNode get(String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("GET " + url + " failed", e);
        }
    }

    private JsonNode post(String url, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200 || r.statusCode() == 202, r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }
}
