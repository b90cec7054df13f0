package io.rangekv.systest.chaos;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The short chaos run of {@code mvn verify}: one PD member, four stores and the workload client, each in its own
 * network namespace, about two minutes of faults (every kind this machine supports at least once) and admin range
 * changes under a register workload and a set/append workload; then heal, settle, and check: linearizable
 * registers, no acknowledged write lost or duplicated, consistent replicas. docs/chaos/README.md has the design.
 * Skipped (an assumption) only when not root or network namespaces are unusable. {@code -Dchaos.seed=N} replays a
 * seed; the default is fixed so CI runs the same schedule every time.
 */
class ChaosIT {
    static final long DEFAULT_SEED = 20261207L;

    @Test
    void rangeChangesUnderFaultsLoseNothing() throws Exception {
        Optional<String> unusable = ChaosNetwork.unusableBecause();
        assumeTrue(unusable.isEmpty(), () -> "chaos suite skipped: " + unusable.orElse("")
                + " (it needs root and working ip netns, veth and bridges)");
        long seed = Long.getLong("chaos.seed", DEFAULT_SEED);
        System.out.println("chaos: ChaosIT seed " + seed + " (replay with -Dchaos.seed=" + seed + ")");
        ChaosRun.Report report = new ChaosRun(ChaosSettings.shortRun(seed, Path.of("target", "chaos")
                .toAbsolutePath()), 0).execute();
        assertTrue(report.passed(), "chaos run failed, kept in " + report.dir() + "\n" + report.text());
    }
}
