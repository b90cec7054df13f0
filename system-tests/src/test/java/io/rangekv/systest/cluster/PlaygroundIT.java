package io.rangekv.systest.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.client.rpc.StoreClientPool;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.store.cluster.Await;
import io.rangekv.time.Deadline;
import io.rangekv.store.process.ProcessCluster;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The playground as separate processes (1 PD, 3 stores on RocksDB, 1 router), used only over HTTP: the curl flow,
 * then {@code kill -9} of the region's leader store under write load. Every acknowledged write is readable after,
 * reads keep working during the outage, and the restarted store catches up.
 */
class PlaygroundIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String router;

    @Test
    void curlFlowAndAStoreKilledUnderWriteLoad() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir)) {
            try {
                cluster.startPd(1, Map.of()).startStores(3, "rocksdb", Map.of()).startRouter();
                router = "http://" + cluster.routerAddress();
                scenario(cluster);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + cluster.logs(), e);
            }
        }
    }

    private void scenario(ProcessCluster cluster) throws Exception {
        assertEquals(204, send("PUT", "/hello", "world").statusCode());
        assertEquals("world", send("GET", "/hello", null).body());
        assertEquals(204, send("DELETE", "/hello", null).statusCode());
        assertEquals(404, send("GET", "/hello", null).statusCode());

        AtomicBoolean writing = new AtomicBoolean(true);
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger failedWrites = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int offset = w;
            writers.add(pool.submit(() -> {
                for (int i = offset; writing.get() && i < 1_000_000; i += 2) {
                    try {
                        if (send("PUT", "/load-" + i, "v" + i).statusCode() == 204) {
                            acknowledged.add(i);
                        } else {
                            failedWrites.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failedWrites.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        Await.until("writes before the kill", Duration.ofSeconds(60), () -> acknowledged.size() > 300);
        JsonNode region = json(send("GET", "/v1/admin/regions", null)).get("regions").get(0);
        long regionId = region.get("id").asLong();
        long victim = region.get("leader").get("store_id").asLong();
        cluster.store(victim).kill();
        int atKill = acknowledged.size();

        // Reads keep working while the store is down (after a new leader is elected).
        int probe = acknowledged.iterator().next();
        Await.until("a read during the outage", Duration.ofSeconds(30),
                () -> ("v" + probe).equals(quietGet("/load-" + probe)));
        Await.until("writes after the kill", Duration.ofSeconds(60), () -> acknowledged.size() > atKill + 300);
        writing.set(false);
        for (Future<?> f : writers) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        for (int i : acknowledged) {
            HttpResponse<String> r = send("GET", "/load-" + i, null);
            assertEquals(200, r.statusCode(), "acknowledged key load-" + i + ": " + r.body());
            assertEquals("v" + i, r.body());
        }

        cluster.restartStore(victim);
        try (StoreClientPool stores = new StoreClientPool(1, 1)) {
            long leaderApplied = -1;
            for (long storeId = 1; storeId <= 3; storeId++) {
                if (storeId != victim) {
                    leaderApplied = Math.max(leaderApplied, applied(stores, cluster, storeId, regionId));
                }
            }
            long target = leaderApplied;
            Await.until("the restarted store catches up to index " + target, Duration.ofSeconds(60),
                    () -> applied(stores, cluster, victim, regionId) >= target);
        }
        System.out.printf("playground kill -9: %d acknowledged HTTP writes (%d before the kill of store %d), "
                + "%d failed or timed out, all readable; the restarted store caught up%n",
                acknowledged.size(), atKill, victim, failedWrites.get());
        assertTrue(acknowledged.size() > atKill);
    }

    private static long applied(StoreClientPool stores, ProcessCluster cluster, long storeId, long regionId) {
        try {
            KvProto.Response r = stores.call(cluster.storeKvAddress(storeId), KvProto.Request.newBuilder()
                    .setHeader(KvProto.RequestHeader.newBuilder().setRegionId(regionId))
                    .setRegionStatus(KvProto.RegionStatusRequest.getDefaultInstance()),
                    Deadline.after(Duration.ofSeconds(3))).get(5, TimeUnit.SECONDS);
            return r.hasError() ? -1 : r.getRegionStatus().getAppliedIndex();
        } catch (Exception e) {
            return -1;
        }
    }

    private String quietGet(String path) {
        try {
            HttpResponse<String> r = send("GET", path, null);
            return r.statusCode() == 200 ? r.body() : null;
        } catch (Exception e) {
            return null;
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(router + path)).timeout(Duration.ofSeconds(20))
                        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }
}
