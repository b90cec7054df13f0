package io.rangekv.store.engine.lmdb;

import io.rangekv.error.ReplicaFatalException;
import io.rangekv.meta.Key;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.engine.EngineSnapshot;
import io.rangekv.store.engine.WriteBatch;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The LMDB engine (lmdbjava): a memory-mapped B+tree, for read-heavy ranges. Reads copy nothing until the caller
 * asks for a key or value.
 *
 * <p><b>Concurrency</b>: LMDB allows one write transaction at a time, so {@link #write} is synchronized and a whole
 * {@link WriteBatch} is one transaction. The environment is opened with {@code MDB_NOTLS}: a read transaction is not
 * bound to the thread that opened it, so an {@link EngineSnapshot} taken on the apply thread can be read on a
 * snapshot thread. A read transaction and its cursors must still be used by one thread at a time: snapshots
 * serialise their own calls.
 * <p><b>Ordering</b>: LMDB's default key order is memcmp, which is unsigned lexicographic, as {@link Key#compare}.
 * <p><b>Durability</b>: {@code MDB_NOSYNC | MDB_NOMETASYNC}: commits reach the OS but not the disk, because the Raft
 * log is the durable record; {@link #sync()} forces the environment to disk before a Raft log prefix is dropped.
 * <p><b>Failure</b>: a full map aborts the transaction (nothing from the batch is applied) and throws a
 * storage-full {@link ReplicaFatalException}; keys longer than LMDB's limit (511 bytes by default) are refused.
 */
public final class LmdbEngine implements Engine {
    private static final String DB_NAME = "rangekv";

    private final Env<byte[]> env;
    private final Dbi<byte[]> dbi;
    private final int maxKeyBytes;

    private LmdbEngine(Env<byte[]> env, Dbi<byte[]> dbi) {
        this.env = env;
        this.dbi = dbi;
        this.maxKeyBytes = env.getMaxKeySize();
    }

    /** Opens (or creates) the environment in {@code dir}: the one place our settings become LMDB flags. */
    public static LmdbEngine open(Path dir, EngineConfig.LmdbSettings settings) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create LMDB directory " + dir, e);
        }
        Env<byte[]> env = Env.create(ByteArrayProxy.PROXY_BA)
                .setMapSize(settings.mapSize().bytes())
                .setMaxReaders(settings.maxReaders())
                .setMaxDbs(1)
                .open(dir.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOMETASYNC);
        try {
            return new LmdbEngine(env, env.openDbi(DB_NAME, DbiFlags.MDB_CREATE));
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
    }

    @Override
    public EngineKind kind() {
        return EngineKind.LMDB;
    }

    @Override
    public int maxKeyBytes() {
        return maxKeyBytes;
    }

    @Override
    public byte[] get(byte[] key) {
        if (key.length == 0 || key.length > maxKeyBytes) {
            return null;
        }
        try (Txn<byte[]> txn = env.txnRead()) {
            return dbi.get(txn, key);
        }
    }

    @Override
    public EngineIterator iterator(byte[] from, byte[] to, boolean reverse) {
        Txn<byte[]> txn = env.txnRead();
        try {
            return new LmdbIterator(dbi.openCursor(txn), txn, from, to, reverse, true);
        } catch (RuntimeException e) {
            txn.close();
            throw e;
        }
    }

    @Override
    public synchronized void write(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            checkKey(op instanceof WriteBatch.Put p ? p.key() : op instanceof WriteBatch.Delete d ? d.key()
                    : ((WriteBatch.DeleteRange) op).start());
        }
        try (Txn<byte[]> txn = env.txnWrite()) {
            for (WriteBatch.Op op : batch.ops()) {
                if (op instanceof WriteBatch.Put p) {
                    dbi.put(txn, p.key(), p.value());
                } else if (op instanceof WriteBatch.Delete d) {
                    dbi.delete(txn, d.key());
                } else if (op instanceof WriteBatch.DeleteRange r) {
                    deleteRange(txn, r.start(), r.end());
                }
            }
            txn.commit();
        } catch (Env.MapFullException e) {
            // Closing the uncommitted transaction aborted it: nothing from this batch is stored.
            throw ReplicaFatalException.storageFull("LMDB map is full (engine.lmdb.map-size); the batch of "
                    + batch.size() + " operations was not applied", e);
        }
    }

    private void deleteRange(Txn<byte[]> txn, byte[] start, byte[] end) {
        List<byte[]> doomed = new ArrayList<>();
        try (Cursor<byte[]> cursor = dbi.openCursor(txn)) {
            boolean found = start.length == 0 ? cursor.first() : cursor.get(start, GetOp.MDB_SET_RANGE);
            while (found && (end == null || Key.compare(cursor.key(), end) < 0)) {
                doomed.add(cursor.key());
                found = cursor.next();
            }
        }
        for (byte[] key : doomed) {
            dbi.delete(txn, key);
        }
    }

    private void checkKey(byte[] key) {
        if (key.length > maxKeyBytes) {
            throw new IllegalArgumentException("key of " + key.length + " bytes exceeds LMDB's limit of "
                    + maxKeyBytes + " bytes");
        }
    }

    @Override
    public EngineSnapshot snapshot() {
        Txn<byte[]> txn = env.txnRead();
        return new LmdbSnapshot(txn);
    }

    @Override
    public void sync() {
        env.sync(true);
    }

    @Override
    public synchronized void close() {
        try {
            env.sync(true);
        } catch (LmdbException ignored) {
            // Closing anyway; the Raft log replays what did not reach the disk.
        }
        dbi.close();
        env.close();
    }

    /** A read transaction held open: the point-in-time view. Calls are serialised (one thread per transaction). */
    private final class LmdbSnapshot implements EngineSnapshot {
        private final Txn<byte[]> txn;
        private boolean closed;

        LmdbSnapshot(Txn<byte[]> txn) {
            this.txn = txn;
        }

        @Override
        public synchronized byte[] get(byte[] key) {
            if (key.length == 0 || key.length > maxKeyBytes) {
                return null;
            }
            return dbi.get(txn, key);
        }

        @Override
        public synchronized EngineIterator iterator(byte[] from, byte[] to, boolean reverse) {
            return new LmdbIterator(dbi.openCursor(txn), txn, from, to, reverse, false);
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                txn.close();
            }
        }
    }

    /** A cursor bounded to {@code [from, to)}; owns its transaction when it is a live-engine iterator. */
    private static final class LmdbIterator implements EngineIterator {
        private final Cursor<byte[]> cursor;
        private final Txn<byte[]> txn;
        private final byte[] from;
        private final byte[] to;
        private final boolean reverse;
        private final boolean ownsTxn;
        private boolean valid;

        LmdbIterator(Cursor<byte[]> cursor, Txn<byte[]> txn, byte[] from, byte[] to, boolean reverse,
                     boolean ownsTxn) {
            this.cursor = cursor;
            this.txn = txn;
            this.from = from;
            this.to = to;
            this.reverse = reverse;
            this.ownsTxn = ownsTxn;
            this.valid = reverse ? seekLast() : seekFirst();
            check();
        }

        private boolean seekFirst() {
            return from == null || from.length == 0 ? cursor.first() : cursor.get(from, GetOp.MDB_SET_RANGE);
        }

        /** The last key below {@code to}: position at or after {@code to}, then step back. */
        private boolean seekLast() {
            if (to == null) {
                return cursor.last();
            }
            if (to.length > 0 && cursor.get(to, GetOp.MDB_SET_RANGE)) {
                return cursor.prev();
            }
            return cursor.last();
        }

        private void check() {
            if (!valid) {
                return;
            }
            byte[] k = cursor.key();
            if (to != null && Key.compare(k, to) >= 0 || from != null && Key.compare(k, from) < 0) {
                valid = false;
            }
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public void next() {
            valid = reverse ? cursor.prev() : cursor.next();
            check();
        }

        @Override
        public byte[] key() {
            return cursor.key().clone();
        }

        @Override
        public byte[] value() {
            return cursor.val().clone();
        }

        @Override
        public void close() {
            cursor.close();
            if (ownsTxn) {
                txn.close();
            }
        }
    }
}
