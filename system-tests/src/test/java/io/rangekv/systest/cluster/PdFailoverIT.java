package io.rangekv.systest.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.meta.Key;
import io.rangekv.store.cluster.Await;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three PD processes, three stores: {@code kill -9} the PD leader while clients write. Writers with warm routes
 * never need the PD; clients created after the kill must find the new leader for their first route; the stores'
 * heartbeats move to the new leader, and it serves an admin split.
 */
class PdFailoverIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void killingThePdLeaderCostsClientsOnlyAShortPause() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir)) {
            cluster.startPd(3, Map.of("schedule.split-keys", "0")).startStores(3, "memory", Map.of());
            KvClientConfig config = KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(30));
            HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
            try (KvClient writer = KvClient.connect(config, cluster.pdRpcEndpoints())) {
                writer.put(Key.of("warm-up"), bytes("1"));
                long leaderId = pdLeader(http, cluster);

                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicLong maxLatencyNanos = new AtomicLong();
                Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
                ExecutorService pool = Executors.newFixedThreadPool(2);
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int offset = w;
                    writers.add(pool.submit(() -> {
                        for (int i = offset; writing.get() && i < 100_000; i += 2) {
                            long start = System.nanoTime();
                            writer.put(key(i), bytes("v" + i));
                            maxLatencyNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                            acknowledged.add(i);
                        }
                    }));
                }
                Await.until("writes before the kill", Duration.ofSeconds(30), () -> acknowledged.size() > 200);
                cluster.pd(leaderId).kill();
                long killedAt = System.nanoTime();

                // A cold client needs the PD for its first route: it must find the new leader.
                long coldStart = System.nanoTime();
                try (KvClient cold = KvClient.connect(config, cluster.pdRpcEndpoints())) {
                    cold.put(Key.of("after-failover"), bytes("yes"));
                    assertArrayEquals(bytes("yes"), cold.get(Key.of("after-failover")).orElseThrow());
                }
                Duration coldPause = Duration.ofNanos(System.nanoTime() - coldStart);
                int beforeKill = acknowledged.size();
                Await.until("writes after the kill", Duration.ofSeconds(30),
                        () -> acknowledged.size() > beforeKill + 300);

                long newLeader = pdLeader(http, cluster);
                assertTrue(newLeader != leaderId, "a new PD leader");
                String api = "http://" + cluster.pdHttp(newLeader) + "/pd/api/v1";
                Await.until("stores heartbeat to the new leader", Duration.ofSeconds(30), () -> {
                    JsonNode stores = get(http, api + "/stores").get("stores");
                    for (JsonNode s : stores) {
                        if (s.get("last_heartbeat_ago_ms").isNull() || s.get("last_heartbeat_ago_ms").asLong() > 3000) {
                            return false;
                        }
                    }
                    return stores.size() == 3;
                });
                long regionId = get(http, api + "/regions").get("regions").get(0).get("id").asLong();
                HttpResponse<String> split = http.send(HttpRequest.newBuilder(
                                URI.create(api + "/regions/" + regionId + "/split"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"k05000\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, split.statusCode(), split.body());

                writing.set(false);
                for (Future<?> f : writers) {
                    f.get(60, TimeUnit.SECONDS);
                }
                pool.shutdown();
                for (int i : acknowledged) {
                    assertArrayEquals(bytes("v" + i), writer.get(key(i)).orElseThrow(), "acknowledged key " + i);
                }
                System.out.printf("PD failover: %d acknowledged writes; slowest write %d ms; a cold client's "
                                + "first put+get took %d ms after the kill; scenario done %d ms after the kill%n",
                        acknowledged.size(), TimeUnit.NANOSECONDS.toMillis(maxLatencyNanos.get()),
                        coldPause.toMillis(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + cluster.logs(), e);
            }
        }
    }

    /** The PD leader's member id, asking any live member. */
    private static long pdLeader(HttpClient http, ProcessCluster cluster) {
        Optional<Long> leader = Optional.empty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (leader.isEmpty() && System.nanoTime() < deadline) {
            for (String address : cluster.pdHttpEndpoints()) {
                try {
                    JsonNode members = get(http, "http://" + address + "/pd/api/v1/members");
                    if (!members.get("leader").isNull() && cluster.pd(members.get("leader").get("id").asLong())
                            .isAlive()) {
                        leader = Optional.of(members.get("leader").get("id").asLong());
                        break;
                    }
                } catch (RuntimeException e) {
                    // that member is down; ask the next
                }
            }
        }
        return leader.orElseThrow(() -> new AssertionError("no PD leader within 30 s"));
    }

    private static JsonNode get(HttpClient http, String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(url + " -> " + r.statusCode() + " " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(url + " failed: " + e.getMessage(), e);
        }
    }

    private static Key key(int i) {
        return Key.of(String.format("k%05d", i));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
