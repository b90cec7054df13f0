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
 * the replicas that committed it (a quorum), each of them stops instead of skipping it, and the client gets
 * STORAGE_FULL. The third replica may never receive that entry (no healthy leader is left to send it); it stays
 * up without a quorum. No replica applied past the full point, and everything written before is in every engine.
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
            Await.until("a quorum of replicas to stop", TestCluster.WAIT, () -> cluster.liveStores().keySet()
                    .stream().filter(id -> cluster.replica(id, 1).orElseThrow().isFailed()).count() >= 2,
                    cluster::dump);
            long applied = cluster.replica(1, 1).orElseThrow().stats().appliedIndex();
            for (long storeId = 2; storeId <= 3; storeId++) {
                assertEquals(applied, cluster.replica(storeId, 1).orElseThrow().stats().appliedIndex(),
                        "no replica applied past the full point\n" + cluster.dump());
            }
            long stopped = cluster.liveStores().keySet().stream()
                    .filter(id -> cluster.replica(id, 1).orElseThrow().isFailed()).findFirst().orElseThrow();
            var peer = cluster.replica(stopped, 1).orElseThrow();
            var refused = assertThrows(java.util.concurrent.CompletionException.class, () -> peer.read(
                    peer.region().epoch(), ReadConsistency.STALE, java.util.List.of(Key.of("big-0000")),
                    r -> r.get(new byte[] {1})).join());
            assertEquals(ErrorKind.STORAGE_FULL, ((KvException) refused.getCause()).kind(),
                    "a stopped replica refuses to serve");
            Region region = cluster.replica(1, 1).orElseThrow().region();
            for (long storeId = 1; storeId <= 3; storeId++) {
                assertEquals(written[0], cluster.contentOf(storeId, region).size(), "store " + storeId);
            }
        }
    }
}
