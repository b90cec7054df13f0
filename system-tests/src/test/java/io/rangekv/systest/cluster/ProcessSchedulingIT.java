package io.rangekv.systest.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.store.cluster.Await;
import io.rangekv.store.process.ProcessCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PD's repair and balance with every store in its own JVM, under client writes whose every acknowledged write
 * must survive and whose client sees only region errors it retries: a store killed with {@code kill -9} has its
 * replicas re-created elsewhere once the (short) down time passes; two stores added to three take their share of
 * replicas and leaders.
 */
class ProcessSchedulingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> PD = Map.of("schedule.split-keys", "150", "schedule.balance-tolerance", "1",
            "schedule.split-cool-down", "1s", "schedule.store-disconnected-after", "1s",
            "schedule.max-store-down-time", "4s", "schedule.region-merge", "false");

    @TempDir
    Path dir;
    private final Opened opened = new Opened();

    @AfterEach
    void stop() throws Exception {
        opened.close();
    }

    private static JsonNode admin(ProcessCluster cluster, String path) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                    + cluster.pdHttp(1) + "/pd/api/v1" + path)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private KvClient client(ProcessCluster cluster) {
        return opened.keep(KvClient.connect(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(30)),
                cluster.pdRpcEndpoints()));
    }

    /** Replicas per store from the PD's region map (voters and learners). */
    private static Map<Long, Long> replicasPerStore(ProcessCluster cluster, int stores) {
        return perStore(cluster, stores, r -> r.path("peers"));
    }

    private static Map<Long, Long> leadersPerStore(ProcessCluster cluster, int stores) {
        return perStore(cluster, stores, r -> r.hasNonNull("leader") ? List.of(r.path("leader"))
                : List.of());
    }

    /** How many of the peers {@code pick} takes from each region sit on each of stores 1..stores. */
    private static Map<Long, Long> perStore(ProcessCluster cluster, int stores,
                                            java.util.function.Function<JsonNode, Iterable<JsonNode>> pick) {
        Map<Long, Long> counts = new TreeMap<>();
        for (long s = 1; s <= stores; s++) {
            counts.put(s, 0L);
        }
        for (JsonNode r : admin(cluster, "/regions").path("regions")) {
            pick.apply(r).forEach(p -> counts.merge(p.path("store_id").asLong(), 1L, Long::sum));
        }
        return counts;
    }

    private static boolean everyRegionHasThreeVotersAvoiding(ProcessCluster cluster, long storeId) {
        for (JsonNode r : admin(cluster, "/regions").path("regions")) {
            if (!hasThreeVotersAvoiding(r, storeId)) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasThreeVotersAvoiding(JsonNode region, long storeId) {
        long voters = 0;
        for (JsonNode p : region.path("peers")) {
            if (p.path("store_id").asLong() == storeId) {
                return false;
            }
            voters += p.path("role").asText().equals("VOTER") ? 1 : 0;
        }
        return voters == 3;
    }

    /**
     * Why a repair has not converged, short enough to survive a CI log's truncation: each region still short of
     * three voters off {@code storeId} (peers as store:role, the leader's store), then every operator that ran or
     * runs on those regions.
     */
    private static String unrepaired(ProcessCluster cluster, long storeId) {
        StringBuilder out = new StringBuilder();
        Set<Long> ids = new TreeSet<>();
        JsonNode regions = admin(cluster, "/regions").path("regions");
        out.append(regions.size()).append(" regions; not repaired:\n");
        for (JsonNode r : regions) {
            if (hasThreeVotersAvoiding(r, storeId)) {
                continue;
            }
            ids.add(r.path("id").asLong());
            StringBuilder peers = new StringBuilder();
            r.path("peers").forEach(p -> peers.append(' ').append(p.path("store_id").asLong()).append(':')
                    .append(p.path("role").asText()));
            out.append("  region ").append(r.path("id").asLong()).append(" [").append(r.path("start_key").asText())
                    .append(", ").append(r.path("end_key").asText()).append(") epoch ").append(r.path("epoch"))
                    .append(" peers").append(peers).append(" leader store ")
                    .append(r.path("leader").path("store_id").asText("none")).append('\n');
        }
        JsonNode operators = admin(cluster, "/operators");
        for (String list : List.of("running", "history")) {
            for (JsonNode op : operators.path(list)) {
                if (ids.contains(op.path("region_id").asLong())) {
                    out.append("  ").append(list).append(' ').append(op).append('\n');
                }
            }
        }
        return out.toString();
    }

    @Test
    void aKilledStoresReplicasComeBackOnTheOtherStores() throws Exception {
        ProcessCluster cluster = opened.keep(new ProcessCluster(dir)).startPd(1, PD)
                .startStores(4, "memory", Map.of());
        KvClient kv = client(cluster);
        Writers writers = opened.keep(new Writers(kv, 2, 200_000));
        Await.until("three regions", Duration.ofSeconds(90), () -> admin(cluster, "/regions").path("count").asInt()
                >= 3);
        long victim = replicasPerStore(cluster, 4).entrySet().stream().max(Map.Entry.comparingByValue())
                .orElseThrow().getKey();
        int before = writers.acknowledged();
        cluster.store(victim).kill();
        long killedAt = System.nanoTime();
        Await.until("every region on three voters without store " + victim, Duration.ofSeconds(120),
                () -> everyRegionHasThreeVotersAvoiding(cluster, victim),
                () -> unrepaired(cluster, victim));
        long repairMs = (System.nanoTime() - killedAt) / 1_000_000;
        Await.until("writes after the repair", Duration.ofSeconds(30), () -> writers.acknowledged() > before + 200);
        int total = writers.stopAndVerify();
        assertEquals(0, writers.failures(), "the client saw only region errors it retried: " + kv.retries().snapshot());
        System.out.printf("kill -9 of store %d (processes): every region back on 3 voters %d ms after the kill "
                + "(4 s down time); %d acknowledged writes, 0 failed; client absorbed %s%n", victim, repairMs, total,
                kv.retries().snapshot());
    }

    @Test
    void twoNewStoreProcessesTakeTheirShare() throws Exception {
        ProcessCluster cluster = opened.keep(new ProcessCluster(dir)).startPd(1, PD)
                .startStores(3, "memory", Map.of());
        KvClient kv = client(cluster);
        Writers writers = opened.keep(new Writers(kv, 2, 2_000));
        Await.until("at least eight regions", Duration.ofSeconds(120),
                () -> admin(cluster, "/regions").path("count").asInt() >= 8);
        long addedAt = System.nanoTime();
        cluster.startStore(4, "memory", Map.of()).startStore(5, "memory", Map.of());
        Await.until("replicas and leaders balanced over five stores", Duration.ofSeconds(180), () -> {
            Map<Long, Long> replicas = replicasPerStore(cluster, 5);
            Map<Long, Long> leaders = leadersPerStore(cluster, 5);
            return SchedulingIT.spreadOf(replicas) <= 1 && SchedulingIT.spreadOf(leaders) <= 1;
        }, () -> replicasPerStore(cluster, 5) + " leaders " + leadersPerStore(cluster, 5));
        long balanceMs = (System.nanoTime() - addedAt) / 1_000_000;
        Map<Long, Long> replicas = replicasPerStore(cluster, 5);
        Map<Long, Long> leaders = leadersPerStore(cluster, 5);
        int total = writers.stopAndVerify();
        assertEquals(0, writers.failures(), "the client saw only region errors it retried: " + kv.retries().snapshot());
        assertTrue(replicas.get(4L) > 0 && replicas.get(5L) > 0, replicas.toString());
        System.out.printf("scale-out 3 -> 5 store processes: balanced in %d ms; replicas %s (CV %.3f), leaders %s "
                + "(CV %.3f); %d acknowledged writes, 0 failed%n", balanceMs, replicas, SchedulingIT.cvOf(replicas),
                leaders, SchedulingIT.cvOf(leaders), total);
    }
}
