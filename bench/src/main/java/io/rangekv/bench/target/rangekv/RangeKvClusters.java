package io.rangekv.bench.target.rangekv;

import com.fasterxml.jackson.databind.JsonNode;
import io.rangekv.bench.load.KeySpace;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.ctl.AdminApi;
import io.rangekv.ctl.CtlException;
import io.rangekv.store.process.ProcessCluster;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Starts the RangeKV cluster a benchmark target runs against: 1 PD and {@link TargetContext#replicas()} stores (and
 * a router when asked) as separate JVMs on loopback, with the production defaults (fsync on, 3 replicas) and the
 * context's engine.
 *
 * <p><b>Placement</b>: by default the PD creates the first region once the stores have registered and splits it by
 * load during the run (PD defaults). With {@link TargetContext#regions()} N &gt; 1 ({@code --regions N}), the bench
 * instead splits the key space into N regions at {@link KeySpace#boundary} (N = 4: the RheaKV target's boundaries)
 * before loading, waits until the PD's leader balance has spread their leaders over the stores, and turns
 * load-based splitting off ({@code schedule.split-qps = 0}) so the shape stays fixed during the measurement.
 * Not the default: its effect on the 2-core reference machine is not settled yet (bench/results/
 * 2026-12-03-profile.md: the runs that tried it were confounded), and the machine is CPU-bound, where every Raft
 * group pays its per-batch costs (fsync, AppendEntries, read-index heartbeats, thread wake-ups) for smaller batches.
 */
final class RangeKvClusters {
    private static final Duration PLACEMENT_WAIT = Duration.ofSeconds(60);

    private RangeKvClusters() {
    }

    private static boolean presplit(TargetContext context) {
        return context.regions() > 1;
    }

    /** How the report describes the cluster: "1 PD + 3 stores (rocksdb)", plus the pre-split regions if any. */
    static String layout(TargetContext context) {
        String base = "1 PD + " + context.replicas() + " stores (" + context.engine() + ")";
        return presplit(context) ? base + ", " + context.regions() + " pre-split regions with leaders balanced over "
                + "the stores, no load-based split" : base;
    }

    static ProcessCluster start(TargetContext context, boolean router) {
        long begin = System.nanoTime();
        ProcessCluster cluster = new ProcessCluster(context.workDir());
        try {
            cluster.startPd(1, presplit(context) ? Map.of("schedule.split-qps", "0") : Map.of());
            cluster.startStores(context.replicas(), context.engine(), Map.of());
            if (router) {
                cluster.startRouter();
            }
            if (presplit(context)) {
                presplit(new AdminApi(cluster.pdHttpEndpoints()), context.regions(), context.replicas());
            }
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        } catch (InterruptedException e) {
            cluster.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while placing regions", e);
        }
        context.progress().printf("rangekv: 1 PD, %d %s stores%s%s ready in %.1f s (logs in %s)%n",
                context.replicas(), context.engine(), router ? ", 1 router" : "",
                presplit(context) ? ", " + context.regions() + " regions" : "",
                (System.nanoTime() - begin) / 1e9, context.workDir());
        return cluster;
    }

    /**
     * Splits the key space at the {@code regions} - 1 boundaries (each split applied to the region holding the
     * boundary), then waits until every region has a leader and leader counts per store differ by at most one.
     */
    private static void presplit(AdminApi pd, int regions, int stores) throws InterruptedException {
        long deadline = System.nanoTime() + PLACEMENT_WAIT.toNanos();
        for (int i = 1; i < regions; i++) {
            String key = new String(KeySpace.boundary(i, regions), StandardCharsets.US_ASCII);
            while (true) {
                try {
                    JsonNode region = pd.get("/regions/by-key?key=" + URLEncoder.encode(key, StandardCharsets.UTF_8));
                    JsonNode r = region.has("region") ? region.path("region") : region;
                    if (!r.path("start_key").asText().equals(key)) {
                        pd.post("/regions/" + r.path("id").asLong() + "/split",
                                AdminApi.JSON.createObjectNode().put("key", key));
                    }
                    break;
                } catch (CtlException e) {
                    // No region or no leader yet (the PD bootstraps the first region once the stores registered).
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("cannot split at " + key + ": " + e.getMessage(), e);
                    }
                    Thread.sleep(200);
                }
            }
        }
        while (!balanced(pd.get("/regions").path("regions"), regions, stores)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("leaders not balanced in " + PLACEMENT_WAIT.toSeconds() + " s: "
                        + pd.get("/regions"));
            }
            Thread.sleep(200);
        }
    }

    private static boolean balanced(JsonNode regions, int expected, int stores) {
        if (regions.size() != expected) {
            return false;
        }
        Map<Long, Integer> leaders = new TreeMap<>();
        for (JsonNode r : regions) {
            if (r.path("leader").isNull() || r.path("leader").isMissingNode()) {
                return false;
            }
            leaders.merge(r.path("leader").path("store_id").asLong(), 1, Integer::sum);
        }
        int max = leaders.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int min = leaders.size() < stores ? 0 : leaders.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return max - min <= 1;
    }
}
