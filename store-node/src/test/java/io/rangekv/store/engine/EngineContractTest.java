package io.rangekv.store.engine;

import io.rangekv.config.DataSize;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.ReplicaFatalException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The behaviour every engine must show. A new engine starts by passing this suite. */
class EngineContractTest {
    @TempDir
    Path dir;
    private final List<Engine> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(Engine::close);
    }

    private Engine open(EngineKind kind) {
        return open(kind, DataSize.ofMegabytes(64));
    }

    private Engine open(EngineKind kind, DataSize lmdbMap) {
        EngineConfig base = EngineConfig.memory(dir.resolve(kind.label()));
        Engine engine = Engines.open(new EngineConfig(kind, base.dataDir(),
                new EngineConfig.LmdbSettings(lmdbMap, 126), EngineConfig.RocksSettings.DEFAULTS));
        opened.add(engine);
        return engine;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    private static List<String> keys(EngineReader reader, byte[] from, byte[] to, boolean reverse) {
        List<String> out = new ArrayList<>();
        try (EngineIterator it = reader.iterator(from, to, reverse)) {
            for (; it.isValid(); it.next()) {
                out.add(java.util.HexFormat.of().formatHex(it.key()));
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void ordersKeysAsUnsignedBytes(EngineKind kind) {
        Engine engine = open(kind);
        WriteBatch batch = new WriteBatch();
        for (byte[] k : List.of(b(0x02, 0xff), b(0x02, 0x80), b(0x02, 0x7f), b(0x02, 0x00), b(0x02),
                b(0x02, 0x7f, 0x00))) {
            batch.put(k, b("v"));
        }
        engine.write(batch);
        assertEquals(List.of("02", "0200", "027f", "027f00", "0280", "02ff"), keys(engine, null, null, false));
        assertEquals(List.of("02ff", "0280", "027f00", "027f", "0200", "02"), keys(engine, null, null, true));
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void putGetDeleteAndLastWriteInABatchWins(EngineKind kind) {
        Engine engine = open(kind);
        engine.write(new WriteBatch().put(b("a"), b("1")).put(b("b"), b("2")).put(b("a"), b("3")));
        assertArrayEquals(b("3"), engine.get(b("a")));
        engine.write(new WriteBatch().delete(b("a")).delete(b("absent")));
        assertNull(engine.get(b("a")));
        assertArrayEquals(b("2"), engine.get(b("b")));
        engine.write(new WriteBatch().put(b("e"), new byte[0]));
        assertArrayEquals(new byte[0], engine.get(b("e")), "an empty value is a value, not absence");
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void deleteRangeRemovesExactlyItsRange(EngineKind kind) {
        Engine engine = open(kind);
        WriteBatch batch = new WriteBatch();
        for (String k : List.of("a", "b", "ba", "c", "d", "e")) {
            batch.put(b(k), b(k));
        }
        engine.write(batch);
        engine.write(new WriteBatch().deleteRange(b("b"), b("d")));
        assertEquals(List.of("61", "64", "65"), keys(engine, null, null, false));
        engine.write(new WriteBatch().deleteRange(b("d"), null));
        assertEquals(List.of("61"), keys(engine, null, null, false));
        // Ordered with other ops in one batch: a put after the range delete survives it.
        engine.write(new WriteBatch().put(b("x"), b("1")).deleteRange(b("a"), null).put(b("y"), b("2")));
        assertEquals(List.of("79"), keys(engine, null, null, false));
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void iteratorsHonourBoundsBothWays(EngineKind kind) {
        Engine engine = open(kind);
        WriteBatch batch = new WriteBatch();
        for (String k : List.of("a", "b", "c", "d")) {
            batch.put(b(k), b(k));
        }
        engine.write(batch);
        assertEquals(List.of("62", "63"), keys(engine, b("b"), b("d"), false));
        assertEquals(List.of("63", "62"), keys(engine, b("b"), b("d"), true));
        assertEquals(List.of("62", "63"), keys(engine, b("ab"), b("cz"), false));
        assertEquals(List.of("63", "62"), keys(engine, b("ab"), b("cz"), true));
        assertEquals(List.of("63", "64"), keys(engine, b("c"), null, false));
        assertEquals(List.of("62", "61"), keys(engine, null, b("c"), true));
        assertEquals(List.of(), keys(engine, b("c"), b("c"), false));
        assertEquals(List.of(), keys(engine, b("x"), null, true));
        assertEquals(List.of(), keys(engine, null, b("a"), true));
        try (EngineIterator it = engine.iterator(b("b"), b("c"), false)) {
            assertArrayEquals(b("b"), it.value());
        }
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void snapshotsDoNotSeeLaterWrites(EngineKind kind) {
        Engine engine = open(kind);
        engine.write(new WriteBatch().put(b("a"), b("1")).put(b("b"), b("1")).put(b("c"), b("1")));
        try (EngineSnapshot snapshot = engine.snapshot()) {
            engine.write(new WriteBatch().put(b("a"), b("2")).delete(b("b")).put(b("d"), b("2")));
            engine.write(new WriteBatch().deleteRange(b("c"), null));
            assertArrayEquals(b("1"), snapshot.get(b("a")));
            assertArrayEquals(b("1"), snapshot.get(b("b")));
            assertNull(snapshot.get(b("d")));
            assertEquals(List.of("61", "62", "63"), keys(snapshot, null, null, false));
            assertEquals(List.of("63", "62", "61"), keys(snapshot, null, null, true));
            assertEquals(List.of("61"), keys(engine, null, null, false));
            assertArrayEquals(b("2"), engine.get(b("a")));
        }
    }

    @ParameterizedTest
    @EnumSource(value = EngineKind.class, names = {"LMDB", "ROCKSDB"})
    void reopeningKeepsTheData(EngineKind kind) {
        Engine engine = open(kind);
        engine.write(new WriteBatch().put(b("kept"), b("1")).put(b("gone"), b("2")));
        engine.write(new WriteBatch().delete(b("gone")));
        engine.sync();
        engine.close();
        opened.remove(engine);
        Engine again = open(kind);
        assertArrayEquals(b("1"), again.get(b("kept")));
        assertNull(again.get(b("gone")));
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void sizesGrowWithData(EngineKind kind) {
        Engine engine = open(kind);
        WriteBatch batch = new WriteBatch();
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] value = new byte[100];
            random.nextBytes(value); // incompressible: RocksDB reports sizes after compression
            batch.put(b(String.format("k%05d", i)), value);
        }
        engine.write(batch);
        if (engine instanceof io.rangekv.store.engine.rocks.RocksEngine rocks) {
            rocks.flush();
        }
        long all = engine.approximateSize(null, null);
        long half = engine.approximateSize(b("k00000"), b("k01000"));
        assertTrue(all >= 100_000, "size of everything: " + all);
        assertTrue(half > 0 && half < all, "half " + half + " of " + all);
        long keys = engine.approximateKeys(null, null);
        assertTrue(keys > 1000 && keys <= 2400, "approximate keys: " + keys);
    }

    /** Readers running alongside writes never see half a batch: the two keys of each batch always agree. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void readersNeverSeeHalfABatch(EngineKind kind) throws Exception {
        Engine engine = open(kind);
        engine.write(new WriteBatch().put(b("left"), b("0")).put(b("right"), b("0")));
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> checks = readers.submit(() -> {
                int n = 0;
                while (!done.get()) {
                    try (EngineSnapshot s = engine.snapshot()) {
                        assertArrayEquals(s.get(b("left")), s.get(b("right")), "snapshot saw half a batch");
                    }
                    try (EngineIterator it = engine.iterator(null, null, false)) {
                        byte[] left = it.value();
                        it.next();
                        assertArrayEquals(left, it.value(), "iterator saw half a batch");
                    }
                    n++;
                }
                return n;
            });
            for (int i = 1; i <= 3000; i++) {
                byte[] v = b(Integer.toString(i));
                engine.write(new WriteBatch().put(b("left"), v).put(b("right"), v));
            }
            done.set(true);
            assertTrue(checks.get(30, TimeUnit.SECONDS) > 0);
        } finally {
            readers.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(value = EngineKind.class, names = "LMDB")
    void aFullLmdbMapIsStorageFullAndKeepsEarlierData(EngineKind kind) {
        Engine engine = open(kind, DataSize.ofMegabytes(1));
        engine.write(new WriteBatch().put(b("early"), b("kept")));
        ReplicaFatalException full = assertThrows(ReplicaFatalException.class, () -> {
            for (int i = 0; i < 10_000; i++) {
                WriteBatch batch = new WriteBatch();
                for (int j = 0; j < 10; j++) {
                    batch.put(b(String.format("fill-%05d-%d", i, j)), new byte[1000]);
                }
                batch.put(b("marker-" + i), b("x"));
                engine.write(batch);
            }
        });
        assertEquals(ErrorKind.STORAGE_FULL, full.kind());
        assertArrayEquals(b("kept"), engine.get(b("early")));
        // The failed batch left nothing: the last marker written is followed by no later fill key.
        List<String> markers = keys(engine, b("marker-"), b("marker."), false);
        int lastMarker = markers.size() - 1;
        assertFalse(markers.isEmpty());
        assertNull(engine.get(b(String.format("fill-%05d-0", lastMarker + 1))), "a failed batch left a key behind");
    }
}
