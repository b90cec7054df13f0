package io.rangekv.store.region;

import io.rangekv.config.Settings;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.Engines;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the store splits a region when the PD leaves the key to it: by share of the region's bytes. */
class SplitKeysTest {
    @TempDir
    Path dir;
    private Engine engine;

    @BeforeEach
    void open() {
        engine = Engines.open(EngineConfig.from(new Settings(Map.of("engine.kind", "memory")), dir));
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < 1000; i++) {
            batch.put(Keys.data(key(i).toBytes()), new byte[100]);
        }
        engine.write(batch);
    }

    @AfterEach
    void close() throws Exception {
        engine.close();
    }

    private static Key key(int i) {
        return Key.of(String.format("k%04d", i).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theMiddleHalvesTheBytesAndAQuarterLeavesAQuarterOnTheLeft() {
        assertEquals(Optional.of(key(500)), SplitKeys.middle(engine, KeyRange.ALL));
        assertEquals(Optional.of(key(250)), SplitKeys.splitting(engine, KeyRange.ALL, 4));
        KeyRange upper = new KeyRange(key(500), Key.EMPTY);
        assertEquals(Optional.of(key(667)), SplitKeys.splitting(engine, upper, 3), "a third of the upper half");
    }

    @Test
    void aRangeWithOneKeyHasNoSplitKeyAndFewerThanTwoPartsIsABug() {
        KeyRange one = new KeyRange(key(10), key(11));
        assertTrue(SplitKeys.splitting(engine, one, 2).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> SplitKeys.splitting(engine, KeyRange.ALL, 1));
    }
}
