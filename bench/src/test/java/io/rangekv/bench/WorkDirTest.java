package io.rangekv.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkDirTest {
    @TempDir
    Path dir;

    @Test
    void dataGoesLogsStay() throws Exception {
        Path store = Files.createDirectories(dir.resolve("rangekv/store-1/engine"));
        Files.writeString(store.resolve("000012.sst"), "data");
        Files.writeString(dir.resolve("rangekv/store-1.log"), "store 1 ready");
        Files.writeString(dir.resolve("rangekv/store-1.conf"), "store.id = 1");

        WorkDir.keepOnlyLogs(dir);

        assertEquals("store 1 ready", Files.readString(dir.resolve("rangekv/store-1.log")));
        assertFalse(Files.exists(dir.resolve("rangekv/store-1")), "the data directory is gone, emptied first");
        assertFalse(Files.exists(dir.resolve("rangekv/store-1.conf")));
        assertTrue(Files.isDirectory(dir), "the directory itself stays, holding the logs");
    }

    @Test
    void aMissingDirectoryIsNothingToDo() {
        WorkDir.keepOnlyLogs(dir.resolve("never-made"));
        assertFalse(Files.exists(dir.resolve("never-made")));
    }
}
