package io.rangekv.store.cluster;

import io.rangekv.meta.Key;
import io.rangekv.store.command.Command;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.region.RegionHash;
import io.rangekv.store.region.RegionPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The replica consistency check on a real three-store cluster: a ComputeHash entry makes every replica hash the
 * region's data as of that entry. Replicas that applied the same log agree; a replica whose engine was changed
 * behind Raft's back (here: one key written straight into store 2's engine) hashes differently.
 */
class ConsistencyCheckIT {
    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void replicasThatAppliedTheSameLogHashAlikeAndACorruptedOneDoesNot(EngineKind engine) throws Exception {
        cluster = TestCluster.builder().dataDir(dir).engine(engine).start();
        TestKvClient client = cluster.newClient();
        for (int i = 0; i < 200; i++) {
            client.put(Key.of("key-" + i), ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        Map<Long, RegionHash> clean = check();
        assertEquals(1, clean.values().stream().distinct().count(), "every replica agrees: " + clean);

        cluster.store(2).orElseThrow().engine().write(new WriteBatch()
                .put(Keys.data(Key.of("key-7")), "corrupted".getBytes(StandardCharsets.UTF_8)));
        Map<Long, RegionHash> after = check();
        assertEquals(after.get(1L), after.get(3L), "the untouched replicas agree: " + after);
        assertNotEquals(after.get(1L).hash(), after.get(2L).hash(), "store 2's replica differs: " + after);
        assertEquals(after.get(1L).appliedIndex(), after.get(2L).appliedIndex());
    }

    /** Proposes a check through the leader; returns each store's hash at that entry once all three have one. */
    private Map<Long, RegionHash> check() throws Exception {
        long before = hashes().values().stream().mapToLong(RegionHash::appliedIndex).max().orElse(0);
        RegionPeer leader = cluster.replica(cluster.leaderOf(1), 1).orElseThrow();
        leader.proposeShapeChange(new Command.ComputeHash()).get(30, TimeUnit.SECONDS);
        Await.until("every replica hashed region 1 after index " + before, TestCluster.WAIT, () -> {
            Map<Long, RegionHash> now = hashes();
            return now.size() == 3 && now.values().stream().allMatch(h -> h.appliedIndex() > before);
        });
        return hashes();
    }

    private Map<Long, RegionHash> hashes() {
        Map<Long, RegionHash> out = new HashMap<>();
        for (long storeId = 1; storeId <= 3; storeId++) {
            long id = storeId;
            cluster.replica(storeId, 1).flatMap(RegionPeer::lastHash).ifPresent(h -> out.put(id, h));
        }
        return out;
    }
}
