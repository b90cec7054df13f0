package io.rangekv.systest.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.client.CasResult;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.route.PutCoalescer;
import io.rangekv.client.route.PutCoalescing;
import io.rangekv.config.DataSize;
import io.rangekv.meta.Key;
import io.rangekv.store.cluster.Await;
import io.rangekv.systest.history.CheckResult;
import io.rangekv.systest.history.History;
import io.rangekv.systest.history.LinearizabilityChecker;
import io.rangekv.systest.history.Op;
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
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients run put / get / compare-and-put on three keys against a PD and three store processes while the region's
 * leader store is killed with {@code kill -9} and later restarted. The recorded history — timed-out writes as unknown
 * outcomes — must be linearizable for every key. Run twice: three clients of two threads each with the default
 * settings, and one client of six threads whose puts coalesce as soon as one is in flight, so that puts of several
 * callers (often of the same key) travel in one BATCH_PUT.
 */
class LinearizabilityIT {
    private static final List<String> KEYS = List.of("lin-a", "lin-b", "lin-c");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void concurrentPutGetCasStayLinearizableWhileTheLeaderStoreIsKilled() throws Exception {
        // Short deadlines, so that writes caught by the kill time out and are recorded as unknown outcomes.
        runWhileTheLeaderStoreIsKilled(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofMillis(1000)), 3);
    }

    @Test
    void coalescedPutsStayLinearizableWhileTheLeaderStoreIsKilled() throws Exception {
        List<PutCoalescer.Counts> counts = runWhileTheLeaderStoreIsKilled(KvClientConfig.DEFAULTS
                .withRequestTimeout(Duration.ofMillis(1000))
                .withPutCoalescing(new PutCoalescing(128, DataSize.ofMegabytes(1), 1)), 1);
        assertTrue(counts.get(0).batches() > 0, "six threads on one client formed no batch: " + counts);
    }

    /** Six worker threads spread over {@code clientCount} clients; returns each client's put counts. */
    private List<PutCoalescer.Counts> runWhileTheLeaderStoreIsKilled(KvClientConfig config, int clientCount)
            throws Exception {
        List<PutCoalescer.Counts> counts = new ArrayList<>();
        try (ProcessCluster cluster = new ProcessCluster(dir)) {
            cluster.startPd(1, Map.of()).startStores(3, "rocksdb", Map.of());
            History history = new History();
            AtomicBoolean running = new AtomicBoolean(true);
            List<KvClient> clients = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<?>> workers = new ArrayList<>();
            try {
                for (int c = 0; c < clientCount; c++) {
                    clients.add(KvClient.connect(config, cluster.pdRpcEndpoints()));
                }
                try (KvClient patient = KvClient.connect(config.withRequestTimeout(Duration.ofSeconds(30)),
                        cluster.pdRpcEndpoints())) {
                    patient.put(Key.of("warm-up"), bytes("1")); // the cluster is bootstrapped and has a leader
                }
                for (int t = 0; t < 6; t++) {
                    int worker = t;
                    KvClient kv = clients.get(t % clientCount);
                    workers.add(pool.submit(() -> run(worker, kv, history, running)));
                }
                Thread.sleep(3000);
                long leader = leaderStore(cluster);
                cluster.store(leader).kill();
                Thread.sleep(5000);
                cluster.restartStore(leader);
                Thread.sleep(3000);
            } finally {
                running.set(false);
                for (Future<?> f : workers) {
                    f.get(60, TimeUnit.SECONDS);
                }
                pool.shutdown();
                clients.forEach(kv -> counts.add(kv.putCounts()));
                clients.forEach(KvClient::close);
            }
            List<Op> ops = history.operations();
            long unknown = ops.stream().filter(Op::isUnknown).count();
            List<CheckResult> results = new LinearizabilityChecker().check(ops);
            System.out.printf("linearizability under a store kill: %d operations (%d unknown outcomes), puts per "
                    + "client %s%n%s", ops.size(), unknown, counts, CheckResult.summary(results));
            assertTrue(ops.size() > 300, "too few operations to mean anything: " + ops.size());
            for (CheckResult r : results) {
                assertTrue(r.isLinearizable(), r + "\n" + cluster.logs());
            }
        }
        return counts;
    }

    /** One client thread: random operations on the keys until told to stop. */
    private static void run(int worker, KvClient kv, History history, AtomicBoolean running) {
        Random random = new Random(worker);
        int n = 0;
        while (running.get()) {
            String key = KEYS.get(random.nextInt(KEYS.size()));
            int choice = random.nextInt(10);
            if (choice < 4) {
                String value = "w" + worker + "-" + n++;
                long id = history.invoke(worker, key, Op.Kind.PUT, null, value);
                try {
                    kv.put(Key.of(key), bytes(value));
                    history.ok(id, null, true);
                } catch (RuntimeException e) {
                    history.unknown(id); // a failed write may still have been applied
                }
            } else if (choice < 8) {
                long id = history.invoke(worker, key, Op.Kind.GET, null, null);
                try {
                    Optional<byte[]> v = kv.get(Key.of(key));
                    history.ok(id, v.map(LinearizabilityIT::string).orElse(null), true);
                } catch (RuntimeException e) {
                    history.failed(id);
                }
            } else {
                // Expect what this key most likely holds: read it first (outside the history), then CAS.
                String expected;
                try {
                    expected = kv.get(Key.of(key)).map(LinearizabilityIT::string).orElse(null);
                } catch (RuntimeException e) {
                    continue;
                }
                String value = "w" + worker + "-" + n++;
                long id = history.invoke(worker, key, Op.Kind.CAS, expected, value);
                try {
                    CasResult r = expected == null ? kv.putIfAbsent(Key.of(key), bytes(value))
                            : kv.compareAndPut(Key.of(key), bytes(expected), bytes(value));
                    history.ok(id, null, r.succeeded());
                } catch (RuntimeException e) {
                    history.unknown(id);
                }
            }
        }
    }

    private static long leaderStore(ProcessCluster cluster) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String url = "http://" + cluster.pdHttp(1) + "/pd/api/v1/regions";
        long[] leader = {0};
        Await.until("the region's leader reported to the PD", Duration.ofSeconds(30), () -> {
            try {
                JsonNode region = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString()).body()).get("regions").get(0);
                if (region.get("leader").isNull()) {
                    return false;
                }
                leader[0] = region.get("leader").get("store_id").asLong();
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        return leader[0];
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
