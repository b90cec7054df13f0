package io.rangekv.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.rangekv.bench.load.LoadRunner;
import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Timeline;
import io.rangekv.bench.load.Workload;
import io.rangekv.bench.target.rangekv.RangeKvTarget;
import io.rangekv.ctl.AdminApi;
import io.rangekv.store.process.ProcessCluster;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * {@code ./rangekv bench --scenario scale-out}: RangeKV through the SDK under the workload while the cluster
 * changes, each change marked on the timeline with the time until the PD had the cluster settled again:
 * <ol>
 *   <li>one store, one replica per region (the load splits it into several regions);</li>
 *   <li>stores 2 and 3 join and max-replicas goes to 3: every region gains two replicas;</li>
 *   <li>stores 4 and 5 join: replicas and leaders spread over five;</li>
 *   <li>store 5 is killed with SIGKILL: its replicas are re-created on the other four once it is DOWN;</li>
 *   <li>the largest region is split, then a region's replica is moved from store 1 to another store.</li>
 * </ol>
 * Between steps the load runs {@code settle} undisturbed, so the plot shows each level. The PD runs with short
 * failure-detection times (a store is DOWN after {@link #DOWN_AFTER}) so the run takes minutes, not the production
 * half hour; the report states them. Each wait is bounded; a step that does not settle is marked as such and the
 * script goes on.
 */
public final class ScaleOutScenario {
    static final Duration DOWN_AFTER = Duration.ofSeconds(10);
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration POLL = Duration.ofMillis(250);
    /** The measured phase ends when the script does; this only bounds a script that hangs. */
    private static final Duration MAX_RUN = Duration.ofMinutes(30);

    private final Path workDir;
    private final String engine;
    private final Duration settle;
    private final PrintStream progress;

    /**
     * @param settle how long the load runs undisturbed before the first step, between steps and after the last
     */
    public ScaleOutScenario(Path workDir, String engine, Duration settle, PrintStream progress) {
        this.workDir = workDir;
        this.engine = engine;
        this.settle = settle;
        this.progress = progress;
    }

    /** PD settings: one replica to start with, splits early enough to have regions to move, quick down time. */
    static Map<String, String> pdSettings(long records) {
        return Map.of("pd.max-replicas", "1",
                "schedule.split-keys", String.valueOf(Math.max(500, records / 6)),
                "schedule.split-cool-down", "2s",
                "schedule.store-disconnected-after", "3s",
                "schedule.max-store-down-time", DOWN_AFTER.toSeconds() + "s",
                "schedule.region-merge", "false");
    }

    /** Runs the workload (its duration is replaced by the script's length) and returns the run with its marks. */
    public RunResult run(LoadRunner runner, Workload workload, long seed) throws InterruptedException {
        ProcessCluster cluster = new ProcessCluster(workDir);
        cluster.startPd(1, pdSettings(workload.records()));
        cluster.startStore(1, engine, Map.of());
        AdminApi pd = new AdminApi(cluster.pdHttpEndpoints());
        try (RangeKvTarget target = RangeKvTarget.connect(cluster, "1 PD + 1 to 5 stores (" + engine + "), "
                + "stores added, killed, a region split and moved under load (scale-out scenario)")) {
            AtomicReference<Throwable> failed = new AtomicReference<>();
            RunResult result = runner.run(target, workload.withDuration(MAX_RUN), seed, timeline -> {
                Thread t = new Thread(() -> {
                    try {
                        script(cluster, pd, timeline);
                    } catch (Throwable e) {
                        failed.set(e);
                        timeline.mark("scenario stopped: " + e.getMessage());
                    } finally {
                        runner.requestStop();
                    }
                }, "scale-out-script");
                t.setDaemon(true);
                t.start();
            });
            if (failed.get() != null) {
                progress.println("scale-out: the script stopped early: " + failed.get());
            }
            return result;
        }
    }

    private void script(ProcessCluster cluster, AdminApi pd, Timeline timeline) throws InterruptedException {
        Set<Long> live = new TreeSet<>(List.of(1L));
        pause();
        step(timeline, pd, "stores 2, 3 added, max-replicas 3", live, () -> {
            cluster.startStore(2, engine, Map.of()).startStore(3, engine, Map.of());
            pd.post("/config", AdminApi.JSON.createObjectNode().put("max_replicas", 3));
            live.addAll(List.of(2L, 3L));
        });
        pause();
        step(timeline, pd, "stores 4, 5 added", live, () -> {
            cluster.startStore(4, engine, Map.of()).startStore(5, engine, Map.of());
            live.addAll(List.of(4L, 5L));
        });
        pause();
        step(timeline, pd, "store 5 killed (SIGKILL)", live, () -> {
            kill(cluster, 5);
            live.remove(5L);
        });
        pause();
        ClusterView beforeSplit = ClusterView.read(pd);
        int before = beforeSplit.regionCount();
        JsonNode largest = beforeSplit.largestRegion().orElseThrow();
        step(timeline, pd, "region " + largest.path("id").asLong() + " split", live, () ->
                pd.post("/regions/" + largest.path("id").asLong() + "/split", AdminApi.JSON.createObjectNode()),
                v -> v.regionCount() > before);
        pause();
        ClusterView beforeMove = ClusterView.read(pd);
        long to = live.stream().filter(s -> s != 1 && beforeMove.regionMovable(1, s).isPresent())
                .findFirst().orElseThrow(() -> new IllegalStateException("no region can move off store 1"));
        JsonNode moved = beforeMove.regionMovable(1, to).orElseThrow();
        step(timeline, pd, "region " + moved.path("id").asLong() + " moved from store 1 to " + to, live, () ->
                pd.post("/regions/" + moved.path("id").asLong() + "/move", AdminApi.JSON.createObjectNode()
                        .put("from_store", 1).put("to_store", to)));
        pause();
    }

    private static void kill(ProcessCluster cluster, long storeId) {
        try {
            cluster.store(storeId).kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing store " + storeId);
        }
    }

    private void step(Timeline timeline, AdminApi pd, String what, Set<Long> live, Runnable change)
            throws InterruptedException {
        step(timeline, pd, what, live, change, v -> true);
    }

    /**
     * Marks {@code what}, makes the change, then waits until the PD reports the cluster settled on the live stores
     * (and {@code also} holds), and marks how long that took from the change's start.
     */
    private void step(Timeline timeline, AdminApi pd, String what, Set<Long> live, Runnable change,
                      Predicate<ClusterView> also) throws InterruptedException {
        progress.println("scale-out: " + what);
        timeline.mark(what);
        long begin = System.nanoTime();
        change.run();
        long deadline = begin + SETTLE_TIMEOUT.toNanos();
        ClusterView view = ClusterView.read(pd);
        while (!(view.settledOn(live) && also.test(view))) {
            if (System.nanoTime() > deadline) {
                timeline.mark("not settled " + SETTLE_TIMEOUT.toSeconds() + " s after: " + what);
                progress.println("scale-out: not settled: " + view.describe(live));
                return;
            }
            LockSupport.parkNanos(POLL.toNanos());
            if (Thread.interrupted()) {
                throw new InterruptedException("scale-out script interrupted");
            }
            view = ClusterView.read(pd);
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        String settled = String.format("%s: settled in %.1f s", what, seconds);
        timeline.mark(settled);
        progress.printf("scale-out: %s (%s)%n", settled, view.describe(live));
    }

    private void pause() throws InterruptedException {
        Thread.sleep(settle.toMillis());
    }
}
