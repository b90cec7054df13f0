package io.rangekv.systest.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * One chaos run's shape. {@link #shortRun} is the CI run (one PD member, four stores, about two minutes);
 * {@link #longRun} the {@code ./rangekv chaos} one (three PD members, five stores).
 *
 * @param faultPhase  how long faults and admin churn go on (workloads run through it and a little after)
 * @param buckets     key buckets of the workloads (each: a register, a list, inserted keys)
 * @param replaceStore whether the admin churn takes one store offline and starts a replacement
 * @param livenessFails whether a liveness finding (no settle after healing, a range unreadable at the end, a process
 *                      that cannot restart) fails the run; safety violations always do
 */
record ChaosSettings(long seed, Duration faultPhase, int pdMembers, int stores, int buckets, String engine,
                     boolean replaceStore, Path baseDir, boolean livenessFails) {

    static ChaosSettings shortRun(long seed, Path baseDir, boolean livenessFails) {
        // 80 s holds every kind once (8 kinds, 4-9 s each, 1-3 s apart, restarts included); the phase runs on
        // until each kind was injected, so a slow machine costs time, not coverage.
        return new ChaosSettings(seed, Duration.ofSeconds(80), 1, 4, 48, "rocksdb", true, baseDir, livenessFails);
    }

    static ChaosSettings longRun(long seed, Duration faultPhase, Path baseDir, boolean livenessFails) {
        return new ChaosSettings(seed, faultPhase, 3, 5, 64, "rocksdb", true, baseDir, livenessFails);
    }

    /**
     * How long the cluster gets to settle after every fault is healed before that is reported (a liveness finding):
     * a healthy cluster here settles in 5-20 s; three PD members and five stores get more.
     */
    Duration settleTimeout() {
        return pdMembers > 1 ? Duration.ofSeconds(120) : Duration.ofSeconds(60);
    }

    /**
     * The PD's schedulers with low thresholds (as ProcessSchedulingIT uses), so that they split, merge, balance
     * and repair on their own during the run, on top of the harness's admin requests: regions split at 300 keys,
     * small neighbours merge 10 s after a change, a store silent for 6 s is DOWN and its replicas re-created.
     */
    Map<String, String> pdConfig() {
        Map<String, String> m = new TreeMap<>();
        m.put("schedule.split-keys", "300");
        m.put("schedule.split-cool-down", "1s");
        m.put("schedule.balance-tolerance", "1");
        m.put("schedule.store-disconnected-after", "2s");
        m.put("schedule.max-store-down-time", "6s");
        m.put("schedule.region-merge", "true");
        m.put("schedule.max-merge-region-keys", "100");
        m.put("schedule.split-merge-interval", "10s");
        m.put("schedule.region-cool-down", "3s");
        m.put("schedule.operator-timeout", "45s");
        return m;
    }

    /**
     * Short heartbeats and election timeouts so faults bite within seconds; frequent RaftSnapshots so replicas
     * catch up by snapshot during the run; small RocksDB buffers because every store's data lives on a small tmpfs.
     */
    Map<String, String> storeConfig() {
        Map<String, String> m = new TreeMap<>();
        m.put("pd.heartbeat-interval", "300ms");
        m.put("pd.region-size-check-interval", "1s");
        m.put("raft.election-timeout", "1000ms");
        m.put("raft.snapshot-log-entries", "2000");
        m.put("engine.rocksdb.write-buffer-size", "4MB");
        m.put("engine.rocksdb.block-cache-size", "8MB");
        m.put("engine.rocksdb.max-background-jobs", "1");
        return m;
    }
}
