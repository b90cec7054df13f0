package io.rangekv.systest.cluster;

import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.ScanOptions;
import io.rangekv.config.DataSize;
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
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Splits beyond one key at a time, with real stores and a PD in one JVM: an admin splits a region into N parts of
 * about equal size; a split storm (a tiny split threshold under steady small writes) keeps the cluster serving and
 * ends in a stable region map with every acknowledged write readable.
 */
class SplitIT {
    private static final PdLink FAST = new PdLink(List.of(), Duration.ofMillis(200), Duration.ofMillis(500));

    @TempDir
    Path dir;
    private final Opened opened = new Opened();

    @AfterEach
    void stop() throws Exception {
        opened.close();
    }

    private TestCluster stores(PdCluster pd) {
        return opened.keep(TestCluster.builder().dataDir(dir.resolve("stores")).engine(EngineKind.MEMORY).stores(3)
                .pd(FAST.withEndpoints(pd.rpcEndpoints())).start());
    }

    private KvClient client(PdCluster pd) {
        return opened.keep(KvClient.connect(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(30)),
                pd.rpcEndpoints()));
    }

    private static int keysIn(KvClient kv, Region region) {
        return kv.scan(ScanOptions.range(region.range().start(), region.range().end()).withKeysOnly()
                .withLimit(1_000_000)).size();
    }

    /** 800 keys of equal size in one region; "split into 4" leaves four regions of 200 (± a few) keys each. */
    @Test
    void anAdminSplitsARegionIntoFourPartsOfAboutEqualSize() throws Exception {
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, PdCluster.noAutoSplit()));
        TestCluster cluster = stores(pd);
        KvClient kv = client(pd);
        for (int i = 0; i < 800; i++) {
            kv.put(Writers.key(i), Writers.value(i));
        }
        PdNode leader = pd.awaitLeader();
        long regionId = leader.metadata().regions().iterator().next().regionId();
        HttpResponse<String> split = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                        + pd.httpEndpoints().get(0) + "/pd/api/v1/regions/" + regionId + "/split"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"parts\": 4}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, split.statusCode(), split.body() + "\n" + cluster.dump());
        List<Region> regions = new ArrayList<>(leader.metadata().regions());
        assertEquals(4, regions.size(), regions.toString());
        List<Integer> sizes = regions.stream().map(r -> keysIn(kv, r)).toList();
        assertEquals(800, sizes.stream().mapToInt(Integer::intValue).sum(), sizes.toString());
        assertTrue(sizes.stream().allMatch(n -> Math.abs(n - 200) <= 10), "about 200 keys each: " + sizes);
        cluster.assertReplicasConverged();
        System.out.printf("admin split of region %d into 4 parts by size: %s keys%n", regionId, sizes);
    }

    /**
     * Split storm: a region splits once it holds 60 keys (cool-down 500 ms) while four writers put 2,400 keys in
     * order, so the right-most region splits again and again under load. The writers never see a failure; once they
     * stop, the region map settles (no split for two heartbeat rounds of the size check), every region holds at most
     * the threshold plus what arrived during its cool-down, and every acknowledged write reads back.
     */
    @Test
    void aSplitStormKeepsServingAndConverges() throws Exception {
        PdConfig.ScheduleConfig schedule = PdConfig.ScheduleConfig.DEFAULTS
                .withSplit(DataSize.ofBytes(0), 60, Duration.ofMillis(500)).withBalance(false, false);
        PdCluster pd = opened.keep(new PdCluster(dir.resolve("pd"), 1, schedule));
        TestCluster cluster = stores(pd);
        KvClient kv = client(pd);
        kv.put(Writers.key(-1), Writers.value(-1));
        PdNode leader = pd.awaitLeader();
        long start = System.nanoTime();
        Writers writers = opened.keep(new Writers(kv, 4, 2_400));
        Await.until("twenty regions", Duration.ofSeconds(120), () -> leader.metadata().regions().size() >= 20,
                () -> leader.metadata().regions().size() + " regions");
        int total = writers.awaitDone(Duration.ofSeconds(120));
        long writeMs = (System.nanoTime() - start) / 1_000_000;
        List<Integer> sizes = new ArrayList<>();
        Await.until("every region under the threshold and the map stable", Duration.ofSeconds(60), () -> {
            int before = leader.metadata().regions().size();
            sizes.clear();
            leader.metadata().regions().forEach(r -> sizes.add(keysIn(kv, r)));
            return sizes.stream().allMatch(n -> n <= 60) && leader.metadata().regions().size() == before;
        }, () -> "keys per region " + sizes);
        int regions = leader.metadata().regions().size();
        assertEquals(total + 1, sizes.stream().mapToInt(Integer::intValue).sum(), "every key in exactly one region");
        writers.stopAndVerify();
        assertEquals(0, writers.failures(), "the client saw only region errors it retried: " + kv.retries().snapshot());
        cluster.assertReplicasConverged();
        System.out.printf("split storm: %d acknowledged writes in %d ms, %d regions (at most 60 keys each), "
                + "0 failed; client absorbed %s%n", total, writeMs, regions, kv.retries().snapshot());
    }
}
