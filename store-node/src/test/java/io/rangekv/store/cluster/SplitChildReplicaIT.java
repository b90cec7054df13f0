package io.rangekv.store.cluster;

import io.rangekv.meta.Key;
import io.rangekv.meta.Region;
import io.rangekv.store.engine.EngineKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A replica added to a split child must end with the data the child inherited from its parent at the split: the
 * child's own log does not contain it (a split moves no data), so log replay alone is not enough.
 */
class SplitChildReplicaIT {
    @TempDir
    Path dir;

    @Test
    void aReplicaAddedToASplitChildGetsTheInheritedData() throws Exception {
        try (TestCluster cluster = TestCluster.builder().dataDir(dir).engine(EngineKind.MEMORY).stores(4)
                .bootstrapVoters(3).start()) {
            TestKvClient client = cluster.newClient();
            for (int i = 0; i < 200; i++) {
                client.put(Key.of(String.format("k%03d", i)), ("v" + i).getBytes(StandardCharsets.UTF_8));
            }
            Region child = cluster.split(1, Key.of("k100"));
            cluster.addVoter(child.regionId(), 4);
            cluster.assertReplicasConverged();
        }
    }
}
