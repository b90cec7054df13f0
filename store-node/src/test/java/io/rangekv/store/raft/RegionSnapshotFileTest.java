package io.rangekv.store.raft;

import io.rangekv.config.Settings;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.Engines;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.region.RegionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RegionSnapshotFileTest {
    private static final Region REGION = new Region(3, new KeyRange(Key.of("b"), Key.of("d")),
            new RegionEpoch(1, 2), List.of(Peer.voter(1, 1)));

    private static Engine memory(Path dir) {
        return Engines.open(EngineConfig.from(new Settings(Map.of("engine.kind", "memory")), dir));
    }

    private static void put(Engine engine, String key, String value) {
        engine.write(new WriteBatch().put(Keys.data(Key.of(key)), value.getBytes()));
    }

    @Test
    void exportsExactlyTheRegionAndLoadingReplacesTheRange(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(RegionSnapshotFile.FILE_NAME);
        try (Engine source = memory(dir.resolve("a"))) {
            put(source, "a", "outside-left");
            put(source, "b", "1");
            put(source, "c\u00ff", "2");
            put(source, "d", "outside-right");
            assertEquals(2, RegionSnapshotFile.write(file, new RegionState(REGION, 17, 1, false, REGION), source));
        }
        try (Engine target = memory(dir.resolve("b"))) {
            put(target, "a", "kept");
            put(target, "bb", "stale, must vanish");
            put(target, "d", "kept");
            RegionSnapshotFile.Loaded loaded = RegionSnapshotFile.read(file);
            assertEquals(17, loaded.state().appliedIndex());
            assertEquals(REGION, loaded.state().region());
            target.write(loaded.batch());
            assertArrayEquals("1".getBytes(), target.get(Keys.data(Key.of("b"))));
            assertArrayEquals("2".getBytes(), target.get(Keys.data(Key.of("c\u00ff"))));
            assertNull(target.get(Keys.data(Key.of("bb"))));
            assertArrayEquals("kept".getBytes(), target.get(Keys.data(Key.of("a"))));
            assertArrayEquals("kept".getBytes(), target.get(Keys.data(Key.of("d"))));
            assertEquals(17, RegionStateCodec.decode(target.get(Keys.regionState(3))).appliedIndex());
        }
    }

    @Test
    void aCorruptedFileIsRejectedWhole(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(RegionSnapshotFile.FILE_NAME);
        try (Engine source = memory(dir.resolve("a"))) {
            put(source, "b", "1");
            RegionSnapshotFile.write(file, new RegionState(REGION, 5, 1, false, REGION), source);
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 12] ^= 0x40;
        Files.write(file, bytes);
        assertThrows(IOException.class, () -> RegionSnapshotFile.read(file));
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(IOException.class, () -> RegionSnapshotFile.read(file));
    }
}
