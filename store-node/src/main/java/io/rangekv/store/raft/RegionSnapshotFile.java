package io.rangekv.store.raft;

import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineReader;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.region.RegionState;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The data file of a region's RaftSnapshot: exactly the region's key range, plus its state (descriptor and applied
 * index) and its write-deduplication records (which client writes it applied; {@code DedupTable}).
 *
 * <pre>
 *   magic "RKVS" | format version (int) | state length (int) | RegionLocalState bytes
 *   record count (int) | { client id (long) | length (int) | DedupRecord bytes }*      (format 2 only)
 *   { key length (int) | user key | value length (int) | value }*
 *   -1 (int) | CRC32C of everything before it (long)
 * </pre>
 *
 * Format 1 (before write deduplication) is still read, as an empty table.
 * A truncated or corrupted file fails the checksum and is rejected whole: nothing is loaded from it.
 */
public final class RegionSnapshotFile {
    public static final String FILE_NAME = "region.data";
    private static final int MAGIC = 0x524b5653;
    private static final int FORMAT_VERSION = 2;
    private static final int FORMAT_WITHOUT_DEDUP = 1;

    /** What a snapshot file holds, ready to write into the engine in one batch. */
    public record Loaded(RegionState state, WriteBatch batch, long keys) {
    }

    private RegionSnapshotFile() {
    }

    /**
     * Writes the range of {@code state}'s region as seen by {@code view}, durably (the library drops the log behind
     * a RaftSnapshot once it is saved); returns the number of keys written.
     */
    public static long write(Path file, RegionState state, EngineReader view) throws IOException {
        long keys = 0;
        CRC32C crc = new CRC32C();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream raw = Channels.newOutputStream(channel);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                     new CheckedOutputStream(raw, crc), 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            byte[] stateBytes = RegionStateCodec.encode(state);
            out.writeInt(stateBytes.length);
            out.write(stateBytes);
            long regionId = state.region().regionId();
            List<byte[][]> records = new ArrayList<>();
            try (EngineIterator it = view.iterator(Keys.dedupStart(regionId), Keys.dedupEnd(regionId), false)) {
                for (; it.isValid(); it.next()) {
                    records.add(new byte[][] {it.key(), it.value()});
                }
            }
            out.writeInt(records.size());
            for (byte[][] record : records) {
                out.writeLong(Keys.clientIdOfDedup(record[0]));
                out.writeInt(record[1].length);
                out.write(record[1]);
            }
            try (EngineIterator it = view.iterator(Keys.dataStart(state.region().range()),
                    Keys.dataEnd(state.region().range()), false)) {
                for (; it.isValid(); it.next()) {
                    byte[] userKey = Keys.userKey(it.key());
                    byte[] value = it.value();
                    out.writeInt(userKey.length);
                    out.write(userKey);
                    out.writeInt(value.length);
                    out.write(value);
                    keys++;
                }
            }
            out.writeInt(-1);
            out.flush();
            // The checksum covers everything written so far; append it unchecked.
            new DataOutputStream(raw).writeLong(crc.getValue());
            channel.force(true);
        }
        return keys;
    }

    /** Only the region state at the head of the file (no data read, no checksum check). */
    public static RegionState readState(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 4096))) {
            int magic = in.readInt();
            int version = in.readInt();
            if (magic != MAGIC || (version != FORMAT_VERSION && version != FORMAT_WITHOUT_DEDUP)) {
                throw new IOException("not a region snapshot file of format " + FORMAT_VERSION + ": " + file);
            }
            return RegionStateCodec.decode(readExactly(in, in.readInt()));
        }
    }

    /**
     * Reads a snapshot file into one batch that replaces the region's whole range: a delete-range of the range first
     * (so keys absent from the snapshot vanish), then every key, then the region state. The installing replica
     * makes sure first that no other region on its store owns part of that range (RegionStateMachine).
     */
    public static Loaded read(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        try (InputStream raw = Files.newInputStream(file);
             CheckedInputStream checked = new CheckedInputStream(new BufferedInputStream(raw, 1 << 16), crc);
             DataInputStream in = new DataInputStream(checked)) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a region snapshot file: " + file);
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION && version != FORMAT_WITHOUT_DEDUP) {
                throw new IOException("unsupported region snapshot format " + version + " in " + file);
            }
            RegionState state = RegionStateCodec.decode(readExactly(in, in.readInt()));
            long regionId = state.region().regionId();
            WriteBatch batch = new WriteBatch();
            // The region's deduplication records are replaced whole, like its range.
            batch.deleteRange(Keys.dedupStart(regionId), Keys.dedupEnd(regionId));
            int records = version == FORMAT_WITHOUT_DEDUP ? 0 : in.readInt();
            if (records < 0) {
                throw new IOException("corrupt record count " + records + " in region snapshot");
            }
            for (int i = 0; i < records; i++) {
                long clientId = in.readLong();
                batch.put(Keys.dedup(regionId, clientId), readExactly(in, in.readInt()));
            }
            batch.deleteRange(Keys.dataStart(state.region().range()), Keys.dataEnd(state.region().range()));
            long keys = 0;
            for (int keyLength = in.readInt(); keyLength != -1; keyLength = in.readInt()) {
                byte[] key = readExactly(in, keyLength);
                byte[] value = readExactly(in, in.readInt());
                batch.put(Keys.data(key), value);
                keys++;
            }
            long expected = crc.getValue();
            long stored = new DataInputStream(checked).readLong();
            if (stored != expected) {
                throw new IOException("region snapshot checksum mismatch in " + file);
            }
            batch.put(Keys.regionState(state.region().regionId()), RegionStateCodec.encode(state));
            return new Loaded(state, batch, keys);
        }
    }

    /** Reads exactly {@code length} bytes; a short file is an {@link java.io.EOFException}, never a short array. */
    private static byte[] readExactly(DataInputStream in, int length) throws IOException {
        if (length < 0 || length > (1 << 28)) {
            throw new IOException("corrupt length " + length + " in region snapshot");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
