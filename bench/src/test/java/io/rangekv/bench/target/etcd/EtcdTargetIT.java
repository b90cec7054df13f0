package io.rangekv.bench.target.etcd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.rangekv.bench.load.LoadRunner;
import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.TargetRoundTrip;
import io.rangekv.bench.load.Workload;
import io.rangekv.bench.load.WorkloadFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The etcd target starts 3 members of the installed etcd (skipped when there is none) with their data and logs in
 * the work directory and fsync left on, answers puts, linearizable reads and limited scans, sustains a couple of
 * seconds of workload A without errors, and on close leaves no process of its own alive.
 */
class EtcdTargetIT {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putReadScanAndALoadRunThenCloseStopsTheMembers() throws Exception {
        EtcdLauncher launcher = new EtcdLauncher();
        assumeTrue(launcher.unavailableReason().isEmpty(), () -> launcher.unavailableReason().orElseThrow());
        Workload w = WorkloadFile.load("a").withRecords(500).withInflight(16).withWarmup(Duration.ofSeconds(1))
                .withDuration(Duration.ofSeconds(2));
        List<Long> pids;
        RunResult r;
        try (EtcdTarget target = launcher.start(new TargetContext(dir, "rocksdb", 3, System.out));
             LoadRunner runner = new LoadRunner(System.out, Duration.ofSeconds(1))) {
            assertEquals("etcd", target.name());
            TargetRoundTrip.check(target, 10);
            assertEquals(List.of("user/1", "user/2", "user/3", "user/4"), target.scanKeys(bytes("user/1"), 100)
                    .get(10, TimeUnit.SECONDS).stream().map(k -> new String(k, StandardCharsets.UTF_8)).toList(),
                    "in key order, up to the end of the keyspace, without the start-up probe key");
            assertEquals("unavailable", target.errorKind(new CompletionException(
                    new StatusRuntimeException(Status.UNAVAILABLE))));

            pids = target.serverPids();
            assertEquals(3, pids.size(), pids.toString());
            pids.forEach(pid -> assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
            for (int i = 1; i <= 3; i++) {
                String command = Files.readAllLines(dir.resolve("etcd-" + i + ".log")).get(0);
                assertTrue(command.contains("--data-dir " + dir.resolve("etcd-" + i + ".etcd")), command);
                assertFalse(command.contains("unsafe"), "fsync stays on: " + command);
            }

            r = runner.run(target, w, 42, t -> { });
        }
        assertTrue(r.operations() > 0, "ops: " + r.operations());
        assertEquals(0, r.errorCount(), r.errors().toString());
        assertTrue(r.serverCores() > 0, "the members' CPU is measured");
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "member " + pid);
        }
        List<String> ours = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
        assertEquals(List.of(), ours, "no process started with this test's directory is left");
        System.out.printf("etcd smoke: %,.0f ops/s, p50 %.2f ms, p99 %.2f ms over %.1f s, server cores %.2f%n",
                r.opsPerSecond(), r.overall().p50Micros() / 1000.0, r.overall().p99Micros() / 1000.0, r.seconds(),
                r.serverCores());
    }
}
