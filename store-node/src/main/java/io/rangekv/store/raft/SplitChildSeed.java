package io.rangekv.store.raft;

import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.RaftOutter;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import com.alipay.sofa.jraft.storage.snapshot.local.LocalSnapshotStorage;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineSnapshot;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.region.RegionState;
import io.rangekv.store.region.StoreDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Gives a split child's Raft group a first RaftSnapshot (index 1) holding the data it inherits from its parent, before
 * the group starts. Why: a split moves no data, so the child's own log never contains the keys it starts with; a
 * replica added to the child later would replay that log from index 1 and miss them. With the seed, every
 * replica's log starts after index 1, so a new replica can only catch up by installing a RaftSnapshot — the seed
 * itself or a later one — which holds the whole range. Written once per replica, when the child first starts
 * (every replica that applied the split writes the same content: the parent's data in the child's range at the
 * split).
 *
 * <p>Cost: one export of the child's range per replica per split.
 */
public final class SplitChildSeed {
    /** The seed's position in the child's log; the child's own entries start after it. */
    public static final long SEED_INDEX = 1;
    private static final long SEED_TERM = 1;

    private SplitChildSeed() {
    }

    /**
     * Writes the seed into {@code groupDir}'s snapshot storage unless one is there already; returns the child's
     * state to start from.
     *
     * <p>Order, for a crash at any point: the seed RaftSnapshot first (the library's writer renames a finished
     * snapshot into place), then the child's state record at {@link #SEED_INDEX}. A store that finds the seed but a
     * state still marked {@code seedPending} starts the child unseeded in its engine; the library then installs the
     * seed, which rewrites the same data (memory engine: the data the parent's replay put back).
     */
    public static RegionState seedIfAbsent(Path groupDir, RegionState child, Engine engine, StoreDirectory directory) {
        Path snapshots = groupDir.resolve("snapshot");
        try {
            if (hasSnapshot(snapshots)) {
                return child.seedPending() ? child.seedWritten() : child;
            }
            Files.createDirectories(snapshots);
            RegionState seeded = child.seeded(SEED_INDEX);
            writeSeed(snapshots, seeded, engine, directory);
            engine.write(new WriteBatch().put(Keys.regionState(child.region().regionId()),
                    RegionStateCodec.encode(seeded)));
            engine.sync();
            return seeded;
        } catch (IOException e) {
            throw new UncheckedIOException("region " + child.region().regionId() + ": cannot seed the split child's "
                    + "RaftSnapshot", e);
        }
    }

    private static void writeSeed(Path snapshots, RegionState seeded, Engine engine, StoreDirectory directory)
            throws IOException {
        LocalSnapshotStorage storage = new LocalSnapshotStorage(snapshots.toString(), null, new RaftOptions());
        if (!storage.init(null)) {
            throw new IOException("cannot open the snapshot storage " + snapshots);
        }
        try {
            SnapshotWriter writer = storage.create();
            if (writer == null) {
                throw new IOException("cannot create a snapshot in " + snapshots);
            }
            try (EngineSnapshot view = engine.snapshot()) {
                RegionSnapshotFile.write(Path.of(writer.getPath(), RegionSnapshotFile.FILE_NAME), seeded, view);
            }
            writer.addFile(RegionSnapshotFile.FILE_NAME);
            Configuration conf = JraftRaftGroup.configurationOf(seeded.region(), directory);
            RaftOutter.SnapshotMeta.Builder meta = RaftOutter.SnapshotMeta.newBuilder()
                    .setLastIncludedIndex(SEED_INDEX).setLastIncludedTerm(SEED_TERM);
            conf.getPeers().stream().map(PeerId::toString).forEach(meta::addPeers);
            conf.getLearners().stream().map(PeerId::toString).forEach(meta::addLearners);
            if (!writer.saveMeta(meta.build())) {
                throw new IOException("cannot save the seed snapshot's meta in " + snapshots);
            }
            writer.close();
        } finally {
            storage.shutdown();
        }
    }

    private static boolean hasSnapshot(Path snapshots) throws IOException {
        if (!Files.isDirectory(snapshots)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(snapshots)) {
            return entries.anyMatch(p -> p.getFileName().toString().startsWith("snapshot_"));
        }
    }
}
