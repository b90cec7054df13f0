package io.rangekv.store.cluster;

import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.meta.Key;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.store.engine.EngineKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three LMDB stores with a 1 MB map. Writes of 8 KB values fill it: the entry that does not fit fails to apply on
 * every replica, each replica stops instead of skipping it, and the client gets STORAGE_FULL. Everything written
 * before is still in every engine, identical across replicas.
 */
class ReplicaFatalIT {
    @TempDir
    Path dir;

    @Test
    void aFullLmdbMapStopsTheReplicasWithStorageFullAndKeepsEarlierData() {
        try (TestCluster cluster = TestCluster.builder().dataDir(dir).engine(EngineKind.LMDB)
                .engineSetting("engine.lmdb.map-size", "1MB").start()) {
            TestKvClient client = cluster.newClient();
            byte[] value = new byte[8 * 1024];
            Arrays.fill(value, (byte) 'x');
            int[] written = {0};
            KvException full = assertThrows(KvException.class, () -> {
                for (int i = 0; i < 1000; i++) {
                    client.put(Key.of(String.format("big-%04d", i)), value);
                    written[0]++;
                }
            });
            assertEquals(ErrorKind.STORAGE_FULL, full.kind(), full.getMessage());
            assertTrue(written[0] > 10, "some writes fit before the map filled: " + written[0]);
            Await.until("every replica to stop", TestCluster.WAIT, () -> cluster.liveStores().keySet().stream()
                    .allMatch(id -> cluster.replica(id, 1).orElseThrow().isFailed()), cluster::dump);
            KvException refused = assertThrows(KvException.class,
                    () -> client.get(Key.of("big-0000"), ReadConsistency.STALE));
            assertEquals(ErrorKind.STORAGE_FULL, refused.kind(), "a stopped replica refuses to serve");
            Region region = cluster.replica(1, 1).orElseThrow().region();
            for (long storeId = 1; storeId <= 3; storeId++) {
                assertEquals(written[0], cluster.contentOf(storeId, region).size(), "store " + storeId);
            }
        }
    }
}
