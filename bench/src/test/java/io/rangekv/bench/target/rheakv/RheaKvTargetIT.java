package io.rangekv.bench.target.rheakv;

import io.rangekv.bench.load.LoadRunner;
import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.TargetRoundTrip;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.Workload;
import io.rangekv.bench.load.WorkloadFile;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RheaKV target starts its 3-store cluster in this JVM (4 fixed regions, for each engine RheaKV has), answers
 * puts, linearizable reads and limited scans, also across a region boundary, survives a few seconds of workload A
 * without an error, and on close frees its ports while leaving its data under the work directory.
 */
class RheaKvTargetIT {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb"})
    void putReadScanAndAShortLoad(String engine) throws Exception {
        RunResult r;
        try (Target target = new RheaKvLauncher().start(new TargetContext(dir, engine, 3, System.out));
             LoadRunner runner = new LoadRunner(System.out, Duration.ofSeconds(1))) {
            assertEquals("rheakv", target.name());
            assertTrue(target.serverPids().isEmpty(), "embedded: no server processes");
            assertTrue(target.durability().contains(engine.equals("memory") ? "engine Memory" : "engine RocksDB"),
                    target.durability());
            TargetRoundTrip.check(target, 30);

            // Two keys on each side of the first split: a limited scan from the first crosses into region 2.
            String split = new String(RheaKvCluster.startKey(1), StandardCharsets.US_ASCII);
            String first = lastCharMinus(split, 2);
            for (String k : List.of(first, lastCharMinus(split, 1), split, split + "1")) {
                target.put(bytes(k), bytes("x")).get(30, TimeUnit.SECONDS);
            }
            assertEquals(3, target.scan(bytes(first), 3).get(30, TimeUnit.SECONDS));
            assertEquals(4, target.scan(bytes(first), 4).get(30, TimeUnit.SECONDS));

            Workload w = WorkloadFile.load("a").withRecords(500).withInflight(16)
                    .withWarmup(Duration.ofSeconds(1)).withDuration(Duration.ofSeconds(3));
            r = runner.run(target, w, 42, t -> { });
        }
        assertEquals(0, r.errorCount(), r.errors().toString());
        assertTrue(r.operations() > 0, "ops: " + r.operations());
        System.out.printf("rheakv %s: %,.0f ops/s, p50 %.2f ms, p99 %.2f ms over %.1f s%n", engine, r.opsPerSecond(),
                r.overall().p50Micros() / 1000.0, r.overall().p99Micros() / 1000.0, r.seconds());

        assertTrue(Files.isDirectory(dir.resolve("store-1/raft")), "the work directory stays");
        for (int port : storePorts()) {
            try (ServerSocket free = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, free.getLocalPort(), "closed: port " + port + " is free again");
            }
        }
    }

    /** The stores' ports, from their Raft data directories ({@code store-<n>/raft/raft_data_region_<id>_<port>}). */
    private List<Integer> storePorts() throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int store = 1; store <= 3; store++) {
            try (var dirs = Files.list(dir.resolve("store-" + store + "/raft"))) {
                dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("raft_data_region_"))
                        .map(n -> Integer.parseInt(n.substring(n.lastIndexOf('_') + 1))).distinct()
                        .forEach(ports::add);
            }
        }
        assertEquals(3, ports.stream().distinct().count(), ports.toString());
        return ports;
    }

    /** {@code key} with its last character lowered by {@code by}: a key that sorts just before it. */
    private static String lastCharMinus(String key, int by) {
        return key.substring(0, key.length() - 1) + (char) (key.charAt(key.length() - 1) - by);
    }
}
