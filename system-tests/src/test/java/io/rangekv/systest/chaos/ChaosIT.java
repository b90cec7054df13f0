package io.rangekv.systest.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The short chaos run of {@code mvn verify}: one PD member, four stores and the workload client, each in its own
 * network namespace, about two minutes of faults (every kind this machine supports at least once) and admin range
 * changes under a register workload and a set/append workload; then heal, settle, and check: linearizable
 * registers, no acknowledged write lost or duplicated, consistent replicas. docs/chaos/README.md has the design.
 * Skipped (an assumption) only when not root or network namespaces are unusable. {@code -Dchaos.seed=N} replays a
 * seed; the default is fixed so CI runs the same schedule every time.
 *
 * <p>Safety violations (not linearizable, a lost, duplicated or phantom write, inconsistent replicas) and a run that
 * proves nothing (no fault kind coverage, no range change during a fault, nothing read back) always fail. Liveness
 * findings — the cluster not settling after the faults are healed, a range unreadable at the end, a process that
 * cannot be restarted — are printed and kept with their evidence, and fail only with {@code -Dchaos.strict=true}:
 * docs/chaos/README.md lists the ones found and not yet fixed, which would otherwise fail every CI run.
 */
class ChaosIT {
    static final long DEFAULT_SEED = 20261207L;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES) // a backstop: a hang must not hold CI; finally tears down
    void rangeChangesUnderFaultsLoseNothing() throws Exception {
        Optional<String> unusable = ChaosNetwork.unusableBecause();
        assumeTrue(unusable.isEmpty(), () -> "chaos suite skipped: " + unusable.orElse("")
                + " (it needs root and working ip netns, veth and bridges)");
        long seed = Long.getLong("chaos.seed", DEFAULT_SEED);
        System.out.println("chaos: ChaosIT seed " + seed + " (replay with -Dchaos.seed=" + seed + ")");
        boolean strict = Boolean.getBoolean("chaos.strict");
        ChaosRun.Report report = new ChaosRun(ChaosSettings.shortRun(seed, Path.of("target", "chaos")
                .toAbsolutePath(), strict), 0).execute();
        assertTrue(report.passed(), "chaos run failed, kept in " + report.dir() + "\n" + report.text());
    }
}
