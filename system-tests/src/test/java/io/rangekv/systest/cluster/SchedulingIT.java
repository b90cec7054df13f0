package io.rangekv.systest.cluster;

import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.config.DataSize;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.pd.PdConfig;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PD's schedulers with real stores in one JVM, each under client writes whose every acknowledged write must
 * survive: an admin moves a region between stores; a stopped store's replicas come back elsewhere after the
 * (short) down time; two new stores take their share of replicas and leaders.
 */
class SchedulingIT {
    private static final PdLink FAST = new PdLink(List.of(), Duration.ofMillis(200), Duration.ofMillis(500));

    @TempDir
    Path dir;
    private final Opened opened = new Opened();

    @AfterEach
    void stop() throws Exception {
        opened.close();
    }

    private TestCluster stores(PdCluster pd, int stores, int running) {
        return opened.keep(TestCluster.builder().dataDir(dir.resolve("stores")).engine(EngineKind.MEMORY).stores(stores)
                .running(running).pd(FAST.withEndpoints(pd.rpcEndpoints())).start());
    }

    private KvClient client(PdCluster pd) {
        return opened.keep(KvClient.connect(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(30)),
                pd.rpcEndpoints()));
    }

    private static PdConfig.ScheduleConfig schedule(boolean balance) {
        return PdConfig.ScheduleConfig.DEFAULTS.withSplit(DataSize.ofBytes(0), 0, Duration.ofSeconds(2))
                .withDownTimes(Duration.ofSeconds(1), Duration.ofSeconds(4)).withBalance(balance, balance);
    }

    private static HttpResponse<String> post(PdCluster pd, String path, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                        + pd.httpEndpoints().get(0) + "/pd/api/v1" + path))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
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

    private static long peersOn(Collection<Region> regions, long storeId) {
        return regions.stream().filter(r -> r.peerOnStore(storeId).isPresent()).count();
    }

    @Test
    void anAdminMovesARegionUnderLoad() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, schedule(false)));
        TestCluster cluster = stores(pd, 4, 4);
        KvClient kv = client(pd);
        kv.put(Writers.key(-1), Writers.value(-1));
        PdNode leader = pd.awaitLeader();
        Region region = leader.metadata().regions().iterator().next();
        long from = region.peers().stream().mapToLong(Peer::storeId).filter(s -> s != 4).max().orElseThrow();
        Writers writers = opened.keep(new Writers(kv, 2, 200_000));
        Await.until("writes before the move", Duration.ofSeconds(30), () -> writers.acknowledged() > 200);
        HttpResponse<String> moved = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                        + pd.httpEndpoints().get(0) + "/pd/api/v1/regions/" + region.regionId() + "/move"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"from_store\": " + from + ", \"to_store\": 4}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, moved.statusCode(), moved.body() + "\n" + cluster.dump());
        Region after = leader.metadata().regionById(region.regionId()).orElseThrow();
        assertTrue(after.peerOnStore(4).filter(Peer::isVoter).isPresent(), after.toString());
        assertTrue(after.peerOnStore(from).isEmpty(), after.toString());
        assertEquals(3, after.voters().size());
        int before = writers.acknowledged();
        Await.until("writes after the move", Duration.ofSeconds(30), () -> writers.acknowledged() > before + 200);
        int total = writers.stopAndVerify();
        Await.until("the replica on store " + from + " is retired", Duration.ofSeconds(30),
                () -> cluster.replica(from, region.regionId()).isEmpty());
        cluster.assertReplicasConverged();
        System.out.printf("admin move of region %d from store %d to 4: %d acknowledged writes, %d failed; "
                + "client absorbed %s%n", region.regionId(), from, total, writers.failures(), kv.retries().snapshot());
    }

    /**
     * Split, move the right half's replica so the halves sit on different stores, merge the right half back into
     * the left (the PD first moves its replicas onto the left's stores), then split again at the same key: all
     * under writes that cross the split key, none lost, none failed.
     */
    @Test
    void anAdminMergesTwoRegionsUnderLoadThenSplitsThemAgain() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, schedule(false)));
        TestCluster cluster = stores(pd, 4, 4);
        KvClient kv = client(pd);
        kv.put(Writers.key(-1), Writers.value(-1));
        PdNode leader = pd.awaitLeader();
        long left = leader.metadata().regions().iterator().next().regionId();
        Writers writers = opened.keep(new Writers(kv, 2, 200_000));
        Await.until("writes before the split", Duration.ofSeconds(30), () -> writers.acknowledged() > 200);
        String splitKey = Writers.key(600).toString();
        HttpResponse<String> split = post(pd, "/regions/" + left + "/split", "{\"key\": \"" + splitKey + "\"}");
        assertEquals(200, split.statusCode(), split.body());
        Region right = leader.metadata().regionByKey(Writers.key(600)).orElseThrow();
        long to = java.util.stream.LongStream.rangeClosed(1, 4).filter(s -> right.peerOnStore(s).isEmpty())
                .findFirst().orElseThrow();
        long from = right.peers().get(0).storeId();
        HttpResponse<String> moved = post(pd, "/regions/" + right.regionId() + "/move",
                "{\"from_store\": " + from + ", \"to_store\": " + to + "}");
        assertEquals(200, moved.statusCode(), moved.body());
        Await.until("writes into the right half", Duration.ofSeconds(60), () -> writers.acknowledged() > 900);

        long mergeStart = System.nanoTime();
        HttpResponse<String> merged = post(pd, "/regions/" + right.regionId() + "/merge", "{\"target\": " + left + "}");
        long mergeMs = (System.nanoTime() - mergeStart) / 1_000_000;
        assertEquals(200, merged.statusCode(), merged.body() + "\n" + cluster.dump());
        Region whole = leader.metadata().regionById(left).orElseThrow();
        assertEquals(io.rangekv.meta.KeyRange.ALL, whole.range(), whole.toString());
        assertTrue(leader.metadata().regionById(right.regionId()).isEmpty(), "the source is gone from the PD");
        Await.until("every replica of the merged source retired", Duration.ofSeconds(30),
                () -> cluster.regionIds().stream().noneMatch(id -> id == right.regionId()), cluster::dump);
        int afterMerge = writers.acknowledged();
        Await.until("writes after the merge", Duration.ofSeconds(30), () -> writers.acknowledged() > afterMerge + 200);

        HttpResponse<String> again = post(pd, "/regions/" + left + "/split", "{\"key\": \"" + splitKey + "\"}");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(2, leader.metadata().regions().size(), leader.metadata().regions().toString());
        int afterSplit = writers.acknowledged();
        Await.until("writes after the second split", Duration.ofSeconds(30),
                () -> writers.acknowledged() > afterSplit + 200);
        int total = writers.stopAndVerify();
        cluster.assertReplicasConverged();
        assertEquals(0, writers.failures(), "the client saw only region errors it retried: " + kv.retries().snapshot());
        System.out.printf("admin merge of region %d into %d (after moving a replica away) took %d ms, then "
                + "split again: %d acknowledged writes, %d failed; client absorbed %s%n", right.regionId(), left,
                mergeMs, total, writers.failures(), kv.retries().snapshot());
    }

    /** Empty neighbours merge by themselves once the split-merge interval has passed; the data stays readable. */
    @Test
    void emptyNeighboursMergeAutomatically() throws Exception {
        PdConfig.ScheduleConfig schedule = schedule(false).withMerge(
                new PdConfig.MergeConfig(true, DataSize.ofMegabytes(1), 1000, Duration.ofSeconds(2)));
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, schedule));
        TestCluster cluster = stores(pd, 3, 3);
        KvClient kv = client(pd);
        for (int i = 0; i < 50; i++) {
            kv.put(Writers.key(i), Writers.value(i));
        }
        PdNode leader = pd.awaitLeader();
        for (String at : List.of("a", "m", "x")) {
            Region r = leader.metadata().regionByKey(io.rangekv.meta.Key.of(at)).orElseThrow();
            HttpResponse<String> split = post(pd, "/regions/" + r.regionId() + "/split", "{\"key\": \"" + at + "\"}");
            assertEquals(200, split.statusCode(), split.body());
        }
        assertEquals(4, leader.metadata().regions().size());
        long start = System.nanoTime();
        Await.until("the regions merge back into one", Duration.ofSeconds(90),
                () -> leader.metadata().regions().size() == 1, () -> leader.metadata().regions() + "\n"
                        + cluster.dump());
        long mergedMs = (System.nanoTime() - start) / 1_000_000;
        for (int i = 0; i < 50; i++) {
            assertTrue(kv.get(Writers.key(i)).isPresent(), "key " + i);
        }
        kv.put(Writers.key(1000), Writers.value(1000));
        cluster.assertReplicasConverged();
        System.out.printf("4 regions (3 empty) merged back into 1 in %d ms (2 s split-merge interval)%n", mergedMs);
    }

    /**
     * A cluster bootstrapped on one store (pd.max-replicas 1) gets two more; an admin raises max-replicas to 3
     * (POST /config) and every region gains two voters, under writes, none lost.
     */
    @Test
    void raisingMaxReplicasGivesEveryRegionMoreVoters() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, 1, schedule(false)));
        TestCluster cluster = stores(pd, 3, 1);
        KvClient kv = client(pd);
        kv.put(Writers.key(-1), Writers.value(-1));
        PdNode leader = pd.awaitLeader();
        post(pd, "/regions/" + leader.metadata().regions().iterator().next().regionId() + "/split",
                "{\"key\": \"" + Writers.key(300) + "\"}");
        Writers writers = opened.keep(new Writers(kv, 2, 200_000));
        Await.until("writes on one store", Duration.ofSeconds(30), () -> writers.acknowledged() > 200);
        cluster.startStore(2);
        cluster.startStore(3);
        long start = System.nanoTime();
        HttpResponse<String> set = post(pd, "/config", "{\"max_replicas\": 3}");
        assertEquals(200, set.statusCode(), set.body());
        Await.until("every region on three voters", Duration.ofSeconds(90), () -> leader.metadata().regions()
                .stream().allMatch(r -> r.voters().size() == 3), () -> leader.metadata().regions() + "\n"
                + get(pd, "/operators") + "\n" + cluster.dump());
        long ms = (System.nanoTime() - start) / 1_000_000;
        int total = writers.stopAndVerify();
        assertEquals(2, leader.metadata().regions().size());
        cluster.assertReplicasConverged();
        System.out.printf("max-replicas 1 -> 3 on %d regions took %d ms; %d acknowledged writes, %d failed%n",
                leader.metadata().regions().size(), ms, total, writers.failures());
    }

    @Test
    void aDownStoresReplicasComeBackOnAnotherStore() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, schedule(false)));
        TestCluster cluster = stores(pd, 4, 4);
        KvClient kv = client(pd);
        kv.put(Writers.key(-1), Writers.value(-1));
        PdNode leader = pd.awaitLeader();
        Region region = leader.metadata().regions().iterator().next();
        long victim = region.peers().stream().mapToLong(Peer::storeId).filter(s -> s != 4).min().orElseThrow();
        Writers writers = opened.keep(new Writers(kv, 2, 200_000));
        Await.until("writes before the stop", Duration.ofSeconds(30), () -> writers.acknowledged() > 200);
        long stoppedAt = System.nanoTime();
        cluster.stopStore(victim);
        Await.until("three voters again, none on store " + victim, Duration.ofSeconds(60), () -> {
            Region r = leader.metadata().regionById(region.regionId()).orElseThrow();
            return r.voters().size() == 3 && r.peerOnStore(victim).isEmpty();
        }, () -> leader.metadata().regions() + "\n" + cluster.dump());
        long repairMs = (System.nanoTime() - stoppedAt) / 1_000_000;
        int total = writers.stopAndVerify();
        cluster.assertReplicasConverged();
        System.out.printf("store %d stopped: replica count back to 3 (on store 4) after %d ms with a 4 s down time; "
                + "%d acknowledged writes, %d failed%n", victim, repairMs, total, writers.failures());
    }

    @Test
    void aStoreTakenOfflineEndsHoldingNothing() throws Exception {
        PdConfig.ScheduleConfig config = schedule(false).withSplit(DataSize.ofBytes(0), 300, Duration.ofSeconds(1));
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, config));
        TestCluster cluster = stores(pd, 4, 4);
        KvClient kv = client(pd);
        PdNode leader = pd.awaitLeader();
        Writers writers = opened.keep(new Writers(kv, 2, 200_000));
        Await.until("a few regions", Duration.ofSeconds(60), () -> leader.metadata().regions().size() >= 3);
        long drained = 2;
        HttpResponse<String> offline = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                        + pd.httpEndpoints().get(0) + "/pd/api/v1/stores/" + drained + "/offline"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, offline.statusCode(), offline.body());
        long startedAt = System.nanoTime();
        Await.until("store " + drained + " TOMBSTONE and empty", Duration.ofSeconds(120), () ->
                        leader.metadata().store(drained).orElseThrow().state() == io.rangekv.meta.StoreState.TOMBSTONE
                                && peersOn(leader.metadata().regions(), drained) == 0,
                () -> leader.metadata().regions().toString());
        long drainMs = (System.nanoTime() - startedAt) / 1_000_000;
        int regions = leader.metadata().regions().size();
        assertTrue(leader.metadata().regions().stream().allMatch(r -> r.voters().size() == 3));
        int total = writers.stopAndVerify();
        Await.until("store " + drained + " retired its replicas", Duration.ofSeconds(30),
                () -> cluster.store(drained).orElseThrow().regions().all().isEmpty());
        System.out.printf("store %d offline: drained %d regions in %d ms, then TOMBSTONE; %d acknowledged writes, "
                + "%d failed%n", drained, regions, drainMs, total, writers.failures());
    }

    /**
     * A store that was down during a split and catches up through a RaftSnapshot taken after it gets the parent's
     * new range but never the child (the snapshot holds only the parent): the PD notices the child's replica
     * missing on that store and has it created.
     */
    @Test
    void aReplicaThatMissedASplitIsRecreated() throws Exception {
        PdConfig.ScheduleConfig config = schedule(false).withDownTimes(Duration.ofSeconds(1), Duration.ofMinutes(5));
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, config));
        TestCluster cluster = stores(pd, 3, 3);
        KvClient kv = client(pd);
        for (int i = 0; i < 300; i++) {
            kv.put(Writers.key(i), Writers.value(i));
        }
        PdNode leader = pd.awaitLeader();
        cluster.stopStore(3);
        HttpResponse<String> split = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                        + pd.httpEndpoints().get(0) + "/pd/api/v1/regions/1/split"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"" + new String(Writers.key(150).toBytes(),
                        java.nio.charset.StandardCharsets.UTF_8) + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, split.statusCode(), split.body());
        long child = leader.metadata().regions().stream().mapToLong(Region::regionId).filter(id -> id != 1)
                .findFirst().orElseThrow();
        // JRaft drops the log only up to the previous RaftSnapshot: two, with writes between, so store 3 can only
        // catch up region 1 by installing one.
        for (int round = 0; round < 2; round++) {
            for (long storeId = 1; storeId <= 2; storeId++) {
                cluster.replica(storeId, 1).orElseThrow().raftGroup().snapshot().get(30,
                        java.util.concurrent.TimeUnit.SECONDS);
            }
            for (int i = 0; i < 20; i++) {
                kv.put(Writers.key(i + round * 20), Writers.value(i + round * 20));
            }
        }
        cluster.startStore(3);
        Await.until("store 3 hosts the split child " + child, Duration.ofSeconds(60),
                () -> cluster.replica(3, child).isPresent(), cluster::dump);
        Await.until("store 3's region 1 installed a RaftSnapshot", Duration.ofSeconds(60),
                () -> cluster.replica(3, 1).map(p -> p.stats() != null && p.stats().snapshotsInstalled() >= 1)
                        .orElse(false), cluster::dump);
        for (int i = 0; i < 300; i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(Writers.value(i), kv.get(Writers.key(i)).orElseThrow());
        }
        cluster.assertReplicasConverged();
        System.out.printf("a replica that missed the split of region 1 into %d was re-created on store 3%n", child);
    }

    @Test
    void twoNewStoresTakeTheirShareOfReplicasAndLeaders() throws Exception {
        PdConfig.ScheduleConfig config = schedule(true).withSplit(DataSize.ofBytes(0), 150, Duration.ofSeconds(1));
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, config));
        TestCluster cluster = stores(pd, 5, 3);
        KvClient kv = client(pd);
        PdNode leader = pd.awaitLeader();
        Writers writers = opened.keep(new Writers(kv, 2, 3_000));
        Await.until("at least six regions", Duration.ofSeconds(90), () -> leader.metadata().regions().size() >= 6,
                () -> leader.metadata().regions().toString());
        long addedAt = System.nanoTime();
        cluster.startStore(4);
        cluster.startStore(5);
        Await.until("replicas and leaders balanced over five stores", Duration.ofSeconds(120), () -> {
            Collection<Region> regions = leader.metadata().regions();
            Map<Long, Long> replicas = counts(regions, true, leader);
            Map<Long, Long> leaders = counts(regions, false, leader);
            return spreadOf(replicas) <= 1 && spreadOf(leaders) <= 1 && replicas.get(4L) > 0 && replicas.get(5L) > 0;
        }, () -> counts(leader.metadata().regions(), true, leader) + " leaders "
                + counts(leader.metadata().regions(), false, leader));
        long balanceMs = (System.nanoTime() - addedAt) / 1_000_000;
        Collection<Region> regions = leader.metadata().regions();
        Map<Long, Long> replicas = counts(regions, true, leader);
        Map<Long, Long> leaders = counts(regions, false, leader);
        int total;
        try {
            total = writers.stopAndVerify();
        } catch (AssertionError e) {
            StringBuilder where = new StringBuilder();
            for (Region r : leader.metadata().regions()) {
                for (long s = 1; s <= 5; s++) {
                    long storeId = s;
                    cluster.replica(storeId, r.regionId()).ifPresent(p -> where.append("region ")
                            .append(r.regionId()).append(" store ").append(storeId).append(": ")
                            .append(cluster.contentOf(storeId, p.region()).size()).append(" keys, applied ")
                            .append(p.stats().appliedIndex()).append(", snapshots installed ")
                            .append(p.stats().snapshotsInstalled()).append('\n'));
                }
            }
            throw new AssertionError(e.getMessage() + "\nregions " + leader.metadata().regions() + "\n"
                    + leader.regionLeaders() + "\n" + where + cluster.dump(), e);
        }
        cluster.assertReplicasConverged();
        System.out.printf("scale-out 3 -> 5 stores: %d regions balanced in %d ms; replicas per store %s "
                        + "(coefficient of variation %.3f), leaders %s (%.3f); %d acknowledged writes, %d failed%n",
                regions.size(), balanceMs, replicas, cvOf(replicas), leaders, cvOf(leaders), total, writers.failures());
    }

    private static Map<Long, Long> counts(Collection<Region> regions, boolean replicas, PdNode leader) {
        Map<Long, Long> out = new TreeMap<>();
        for (long s = 1; s <= 5; s++) {
            out.put(s, 0L);
        }
        for (Region r : regions) {
            if (replicas) {
                r.peers().forEach(p -> out.merge(p.storeId(), 1L, Long::sum));
            }
        }
        if (!replicas) {
            leader.regionLeaders().values().forEach(storeId -> out.merge(storeId, 1L, Long::sum));
        }
        return out;
    }

    static long spreadOf(Map<Long, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).max().orElse(0)
                - counts.values().stream().mapToLong(Long::longValue).min().orElse(0);
    }

    static double cvOf(Map<Long, Long> counts) {
        double mean = counts.values().stream().mapToLong(Long::longValue).average().orElse(0);
        double var = counts.values().stream().mapToDouble(c -> (c - mean) * (c - mean)).average().orElse(0);
        return mean == 0 ? 0 : Math.sqrt(var) / mean;
    }
}
