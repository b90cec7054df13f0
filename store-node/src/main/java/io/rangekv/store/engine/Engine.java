package io.rangekv.store.engine;

/**
 * Local ordered storage for one store node; every region hosted by the node writes into the same instance. Keys are
 * ordered by unsigned byte comparison (as {@link io.rangekv.meta.Key#compare(byte[], byte[])}).
 *
 * <p>Narrow on purpose: anything built on top (compare-and-put, scans with limits, split keys) is written once,
 * above this interface, never once per engine.
 *
 * <p><b>Concurrency</b>: all methods are thread-safe. Writes may be serialised inside the engine (LMDB has a single
 * writer). <b>Durability</b>: {@link #write} need not reach the disk before returning; the Raft log is the source of
 * durability, and {@link #sync()} makes everything written so far durable (called before a Raft log prefix is
 * dropped). <b>Failure</b>: a write that cannot be applied (I/O error, storage full) throws
 * {@link io.rangekv.error.ReplicaFatalException} and changes nothing.
 */
public interface Engine extends EngineReader, AutoCloseable {
    EngineKind kind();

    /** Applies every mutation in {@code batch} atomically. */
    void write(WriteBatch batch);

    /** A point-in-time view, isolated from later writes. */
    EngineSnapshot snapshot();

    /**
     * Approximate bytes (keys plus values) stored in {@code [from, to)}; null bounds are unbounded. By default exact,
     * by walking the range; an engine that keeps statistics (RocksDB) answers from them instead.
     */
    default long approximateSize(byte[] from, byte[] to) {
        return RangeTally.of(this, from, to).bytes();
    }

    /** Approximate number of keys in {@code [from, to)}; by default exact, like {@link #approximateSize}. */
    default long approximateKeys(byte[] from, byte[] to) {
        return RangeTally.of(this, from, to).keys();
    }

    /** The longest key the engine accepts (LMDB's is small); the KV service refuses longer user keys up front. */
    default int maxKeyBytes() {
        return Integer.MAX_VALUE;
    }

    /** Blocks until every batch written so far is durable on disk. A no-op for the memory engine. */
    void sync();

    @Override
    void close();
}
