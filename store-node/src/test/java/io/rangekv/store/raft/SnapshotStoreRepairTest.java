package io.rangekv.store.raft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SnapshotStoreRepairTest {
    @Test
    void theLatestFiledRaftSnapshotIsTheHighestIndexInTheStore(@TempDir Path dir) throws Exception {
        assertEquals(OptionalLong.empty(), SnapshotStoreRepair.latestFiled(dir.resolve("absent")));
        assertEquals(OptionalLong.empty(), SnapshotStoreRepair.latestFiled(dir));
        Files.createDirectory(dir.resolve("temp"));
        Files.createDirectory(dir.resolve("snapshot_6"));
        Files.createDirectory(dir.resolve("snapshot_66"));
        Files.createDirectory(dir.resolve("snapshot_x"));
        assertEquals(OptionalLong.of(66), SnapshotStoreRepair.latestFiled(dir));
    }

    @Test
    void theLibrarysLastRaftSnapshotIsReadFromItsDescription() {
        String described = "nodeId: <r335/10.0.0.9:20170::338>\n  state: STATE_FOLLOWER\nsnapshotExecutor: \n"
                + "  lastSnapshotTerm: 1\n  lastSnapshotIndex: 6\n  term: 2\n  savingSnapshot: false\n";
        assertEquals(6, JraftRaftGroup.lastSnapshotIndex(described));
        assertThrows(IllegalStateException.class, () -> JraftRaftGroup.lastSnapshotIndex("nodeId: <r1>"));
    }

    @Test
    void aGroupThisStoreDoesNotRunIsLeftAlone() {
        assertFalse(new SnapshotStoreRepair().repairIfStuck("r404", "127.0.0.1:9:404", 7));
        assertFalse(new SnapshotStoreRepair().repairIfStuck("r404", "not a peer", 7));
    }
}
