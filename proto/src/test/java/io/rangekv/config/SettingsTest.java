package io.rangekv.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {
    @Test
    void readsUnitsAndDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.conf");
        Files.writeString(file, "# comment\nraft.election-timeout = 1500ms\nengine.lmdb.map-size = 2GB\n");
        Settings s = Settings.load(file);
        assertEquals(Duration.ofMillis(1500), s.getDuration("raft.election-timeout", Duration.ZERO));
        assertEquals(DataSize.ofGigabytes(2), s.getDataSize("engine.lmdb.map-size", DataSize.ofBytes(0)));
        assertEquals(7, s.getInt("absent", 7));
    }

    @Test
    void errorsNameTheKey() {
        Settings s = new Settings(Map.of("rpc.max-key-size", "lots"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.getDataSize("rpc.max-key-size", DataSize.ofKilobytes(8)));
        assertTrue(e.getMessage().contains("rpc.max-key-size"), e.getMessage());
    }

    @Test
    void reportsKeysNobodyRead() {
        Settings s = new Settings(Map.of("store.id", "1", "store.idd", "2"));
        s.getLong("store.id", 0);
        assertEquals(Set.of("store.idd"), s.unusedKeys());
    }

    @Test
    void dataSizesParseAndPrint() {
        assertEquals(64L * 1024 * 1024, DataSize.parse("64MB").bytes());
        assertEquals(512, DataSize.parse("512").bytes());
        assertEquals("64MB", DataSize.parse("64 mb").toString());
        assertThrows(IllegalArgumentException.class, () -> DataSize.parse("-1MB"));
        assertThrows(IllegalArgumentException.class, () -> Settings.parseDuration("5 minutes"));
    }
}
