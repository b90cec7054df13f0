package io.rangekv.pd.raft;

import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.entity.RaftOutter;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import com.google.protobuf.Message;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.proto.gen.MetaProto;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.MetaCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PD's RaftSnapshot file through the state machine's own save and load, with JRaft's snapshot reader and writer
 * replaced by a plain directory: a saved state loads back equal, and a damaged file is refused instead of loaded.
 */
class PdStateMachineSnapshotTest {
    private static final PdLeaderListener NO_LISTENER = new PdLeaderListener() {
        @Override
        public void onLeaderStart(long term) {
        }

        @Override
        public void onLeaderStop() {
        }
    };

    @TempDir
    Path dir;

    /** A bootstrapped cluster of 3 stores, its region split in two, max-replicas 5 set by an admin. */
    private static ClusterMetadata someState() {
        ClusterMetadata m = new ClusterMetadata();
        for (long s = 1; s <= 3; s++) {
            m.apply(PdProto.PdCommand.newBuilder().setPutStore(PdProto.PutStoreCommand.newBuilder()
                    .setStore(MetaProto.Store.newBuilder().setStoreId(s).setKvAddress("127.0.0.1:2016" + s)
                            .setRaftAddress("127.0.0.1:2026" + s).setState(MetaProto.StoreState.UP))).build());
        }
        ClusterMetadata.Outcome.Bootstrapped boot = (ClusterMetadata.Outcome.Bootstrapped) m.apply(
                PdProto.PdCommand.newBuilder().setBootstrap(PdProto.BootstrapCommand.newBuilder()
                        .addAllStoreIds(List.of(1L, 2L, 3L))).build());
        Region first = boot.firstRegion();
        Region left = first.withRange(new KeyRange(Key.EMPTY, Key.of("m")), new RegionEpoch(1, 2));
        Region right = new Region(50, new KeyRange(Key.of("m"), Key.EMPTY), new RegionEpoch(1, 2), first.peers());
        m.apply(PdProto.PdCommand.newBuilder().setPutRegions(PdProto.PutRegionsCommand.newBuilder()
                .addRegions(MetaCodec.toProto(left)).addRegions(MetaCodec.toProto(right))).build());
        m.apply(PdProto.PdCommand.newBuilder().setSetReplication(PdProto.SetReplicationCommand.newBuilder()
                .setMaxReplicas(5)).build());
        return m;
    }

    private Path save(ClusterMetadata metadata) {
        Set<String> added = new HashSet<>();
        AtomicReference<Status> done = new AtomicReference<>();
        new PdStateMachine(metadata, NO_LISTENER).onSnapshotSave(new DirWriter(dir, added), done::set);
        assertTrue(done.get().isOk(), String.valueOf(done.get()));
        assertEquals(Set.of(PdStateMachine.STATE_FILE), added);
        return dir.resolve(PdStateMachine.STATE_FILE);
    }

    private boolean load(ClusterMetadata into) {
        return new PdStateMachine(into, NO_LISTENER).onSnapshotLoad(new DirReader(dir));
    }

    @Test
    void aSavedStateLoadsBackEqualAndLeavesNoTemporaryFile() throws IOException {
        ClusterMetadata original = someState();
        save(original);
        ClusterMetadata loaded = new ClusterMetadata();
        assertTrue(load(loaded));
        assertEquals(original.toProto(), loaded.toProto());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(PdStateMachine.STATE_FILE), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    /**
     * The file cut just after the regions: a bare protobuf still parses (the last fields simply read as unset),
     * so a member used to start with max-replicas and the stores version silently back at 0.
     */
    @Test
    void aFileCutAtAFieldBoundaryIsRefused() throws IOException {
        ClusterMetadata original = someState();
        Path file = save(original);
        PdProto.PdState full = original.toProto();
        int tail = full.getSerializedSize()
                - full.toBuilder().clearStoresVersion().clearMaxReplicas().build().getSerializedSize();
        assertTrue(tail > 0);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - tail));

        ClusterMetadata loaded = new ClusterMetadata();
        assertFalse(load(loaded), "a truncated file must not load");
        IOException why = assertThrows(IOException.class, () -> PdStateFile.read(file));
        assertTrue(why.getMessage().contains("truncated"), why.getMessage());
    }

    /** One flipped byte inside a store's address: still a valid protobuf, but not the state that was written. */
    @Test
    void aFlippedByteIsRefusedByTheChecksum() throws IOException {
        Path file = save(someState());
        byte[] bytes = Files.readAllBytes(file);
        int at = indexOf(bytes, "127.0.0.1:20262".getBytes(StandardCharsets.US_ASCII));
        assertTrue(at >= 0);
        bytes[at + 14] = (byte) '9'; // 127.0.0.1:20262 -> 127.0.0.1:20269
        Files.write(file, bytes);

        ClusterMetadata loaded = new ClusterMetadata();
        assertFalse(load(loaded), "a corrupted file must not load");
        assertTrue(loaded.stores().isEmpty(), "nothing of it was loaded");
        IOException why = assertThrows(IOException.class, () -> PdStateFile.read(file));
        assertTrue(why.getMessage().contains("checksum mismatch"), why.getMessage());
    }

    @Test
    void anEmptyOrHeaderlessFileIsRefused() throws IOException {
        Path file = dir.resolve(PdStateMachine.STATE_FILE);
        Files.write(file, new byte[0]);
        assertFalse(load(new ClusterMetadata()));
        Files.write(file, someState().toProto().toByteArray()); // the bare protobuf, with no header
        assertFalse(load(new ClusterMetadata()));
        IOException why = assertThrows(IOException.class, () -> PdStateFile.read(file));
        assertTrue(why.getMessage().contains("no PD state header"), why.getMessage());
    }

    @Test
    void theHeaderRecordsMagicLengthAndChecksum() throws IOException {
        PdProto.PdState state = someState().toProto();
        Path file = dir.resolve("state");
        PdStateFile.write(file, state);
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(PdStateFile.MAGIC, java.util.Arrays.copyOf(bytes, PdStateFile.MAGIC.length));
        assertEquals(PdStateFile.HEADER_BYTES + state.getSerializedSize(), bytes.length);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(state.toByteArray());
        java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(bytes, PdStateFile.MAGIC.length, 12);
        assertEquals(state.getSerializedSize(), header.getLong());
        assertEquals((int) crc.getValue(), header.getInt());
        assertEquals(state, PdStateFile.read(file));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** JRaft's snapshot writer, reduced to a directory and the names added to it. */
    private static final class DirWriter extends SnapshotWriter {
        private final Path dir;
        private final Set<String> added;

        DirWriter(Path dir, Set<String> added) {
            this.dir = dir;
            this.added = added;
        }

        @Override
        public boolean saveMeta(RaftOutter.SnapshotMeta meta) {
            return true;
        }

        @Override
        public boolean addFile(String fileName, Message fileMeta) {
            return added.add(fileName);
        }

        @Override
        public boolean removeFile(String fileName) {
            return added.remove(fileName);
        }

        @Override
        public void close(boolean keepDataOnError) {
        }

        @Override
        public void close() {
        }

        @Override
        public String getPath() {
            return dir.toString();
        }

        @Override
        public Set<String> listFiles() {
            return Set.copyOf(added);
        }

        @Override
        public Message getFileMeta(String fileName) {
            return null;
        }

        @Override
        public boolean init(Void opts) {
            return true;
        }

        @Override
        public void shutdown() {
        }
    }

    /** JRaft's snapshot reader, reduced to a directory. */
    private static final class DirReader extends SnapshotReader {
        private final Path dir;

        DirReader(Path dir) {
            this.dir = dir;
        }

        @Override
        public RaftOutter.SnapshotMeta load() {
            return null;
        }

        @Override
        public String generateURIForCopy() {
            return null;
        }

        @Override
        public void close() {
        }

        @Override
        public String getPath() {
            return dir.toString();
        }

        @Override
        public Set<String> listFiles() {
            return Set.of(PdStateMachine.STATE_FILE);
        }

        @Override
        public Message getFileMeta(String fileName) {
            return null;
        }

        @Override
        public boolean init(Void opts) {
            return true;
        }

        @Override
        public void shutdown() {
        }
    }
}
