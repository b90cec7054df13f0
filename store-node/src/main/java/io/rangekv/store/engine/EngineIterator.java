package io.rangekv.store.engine;

/**
 * A cursor over key/value pairs in a range, already positioned on the first entry (if any). Not thread-safe: one
 * thread uses it and closes it, by try-with-resources.
 *
 * <pre>
 * try (EngineIterator it = engine.iterator(from, to, false)) {
 *     for (; it.isValid(); it.next()) { use(it.key(), it.value()); }
 * }
 * </pre>
 */
public interface EngineIterator extends AutoCloseable {
    boolean isValid();

    /** Moves to the next entry in the iterator's direction. */
    void next();

    /** The current key; a copy the caller may keep. */
    byte[] key();

    /** The current value; a copy the caller may keep. */
    byte[] value();

    @Override
    void close();
}
