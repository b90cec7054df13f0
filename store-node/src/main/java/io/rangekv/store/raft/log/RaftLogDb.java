package io.rangekv.store.raft.log;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One RocksDB per store that holds the Raft logs of every region group on it. JRaft's default opens a RocksDB per
 * group (about 33 MB of native memory and 7 file descriptors each, see JRAFT-NOTES); one shared database costs that
 * once, and its write-ahead log turns many groups' appends into one sequential stream.
 *
 * <pre>
 *   0x01 | len | groupId | index (8, big-endian)   a log entry (JRaft's own encoding)
 *   0x02 | len | groupId | index (8, big-endian)   the same entry again when it is a configuration entry,
 *                                                  so start-up loads configurations without reading the log
 *   0x03 | len | groupId                           the group's first log index
 *   0x04 | regionId (8, big-endian)               the store's region catalog ({@link RaftLogRegionCatalog})
 * </pre>
 *
 * <p><b>Concurrency</b>: thread-safe (RocksDB is); each group's {@link SharedLogStorage} is used by that group's
 * log manager thread. <b>Durability</b>: every write is synced when {@code sync} is on (the default): an entry is
 * acknowledged to the leader only once it is on disk.
 */
public final class RaftLogDb implements AutoCloseable {
    static final byte ENTRY = 0x01;
    static final byte CONF = 0x02;
    static final byte FIRST_INDEX = 0x03;
    static final byte CATALOG = 0x04;

    static {
        RocksDB.loadLibrary();
    }

    private final RocksDB db;
    private final Options options;
    private final WriteOptions writeOptions;

    private RaftLogDb(RocksDB db, Options options, WriteOptions writeOptions) {
        this.db = db;
        this.options = options;
        this.writeOptions = writeOptions;
    }

    public static RaftLogDb open(Path dir, boolean sync) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Raft log directory " + dir, e);
        }
        Options options = new Options().setCreateIfMissing(true)
                .setWriteBufferSize(32L * 1024 * 1024)
                .setMaxWriteBufferNumber(4)
                .setMaxBackgroundJobs(1);
        try {
            return new RaftLogDb(RocksDB.open(options, dir.toString()), options, new WriteOptions().setSync(sync));
        } catch (RocksDBException e) {
            options.close();
            throw new IllegalStateException("cannot open the Raft log at " + dir + ": " + e.getMessage(), e);
        }
    }

    RocksDB db() {
        return db;
    }

    WriteOptions writeOptions() {
        return writeOptions;
    }

    /** The key prefix of one group's records of one kind. */
    static byte[] prefix(byte kind, String groupId) {
        byte[] id = groupId.getBytes(StandardCharsets.US_ASCII);
        if (id.length > 255) {
            throw new IllegalArgumentException("group id too long: " + groupId);
        }
        return ByteBuffer.allocate(2 + id.length).put(kind).put((byte) id.length).put(id).array();
    }

    static byte[] indexed(byte[] prefix, long index) {
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(index).array();
    }

    void putCatalog(long regionId, byte[] value) {
        try {
            db.put(writeOptions, catalogKey(regionId), value);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot record region " + regionId + " in the catalog", e);
        }
    }

    void deleteCatalog(long regionId) {
        try {
            db.delete(writeOptions, catalogKey(regionId));
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot drop region " + regionId + " from the catalog", e);
        }
    }

    java.util.List<byte[]> listCatalog() {
        java.util.List<byte[]> values = new java.util.ArrayList<>();
        try (org.rocksdb.RocksIterator it = db.newIterator()) {
            for (it.seek(new byte[] {CATALOG}); it.isValid() && it.key()[0] == CATALOG; it.next()) {
                values.add(it.value());
            }
        }
        return values;
    }

    private static byte[] catalogKey(long regionId) {
        return ByteBuffer.allocate(9).put(CATALOG).putLong(regionId).array();
    }

    /** Deletes every record of one group (a replica removed from this store). */
    public void destroyGroup(String groupId) {
        try (org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch()) {
            for (byte kind : new byte[] {ENTRY, CONF}) {
                byte[] p = prefix(kind, groupId);
                batch.deleteRange(indexed(p, 0), indexed(p, Long.MAX_VALUE));
            }
            batch.delete(prefix(FIRST_INDEX, groupId));
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot delete the Raft log of " + groupId, e);
        }
    }

    @Override
    public void close() {
        try {
            db.syncWal();
        } catch (RocksDBException ignored) {
            // Synced writes are already on disk.
        }
        writeOptions.close();
        db.close();
        options.close();
    }
}
