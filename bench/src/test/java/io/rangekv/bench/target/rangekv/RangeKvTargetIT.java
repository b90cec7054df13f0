package io.rangekv.bench.target.rangekv;

import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.TargetRoundTrip;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.TargetLauncher;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each RangeKV benchmark target starts its own cluster of processes (1 PD, 3 stores, and a router for the HTTP
 * target), answers puts, reads and scans, and stops every process it started when closed.
 */
class RangeKvTargetIT {
    @TempDir
    Path dir;

    static List<TargetLauncher> launchers() {
        return List.of(new RangeKvLauncher(), new RangeKvHttpLauncher());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("launchers")
    void putReadScanThenCloseStopsTheCluster(TargetLauncher launcher) throws Exception {
        List<Long> pids;
        try (Target target = launcher.start(new TargetContext(dir, "rocksdb", 3, System.out))) {
            assertEquals(launcher.name(), target.name());
            TargetRoundTrip.check(target, 30);
            pids = target.serverPids();
            assertEquals(launcher.name().endsWith("http") ? 5 : 4, pids.size(), pids.toString());
            pids.forEach(pid -> assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid);
        }
    }
}
