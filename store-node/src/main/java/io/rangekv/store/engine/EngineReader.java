package io.rangekv.store.engine;

/**
 * Reads from an engine: the live engine (sees every committed batch) or an {@link EngineSnapshot} (sees the engine
 * as it was when the snapshot was taken). Keys are physical engine keys; {@link Keys} maps user keys onto them.
 */
public interface EngineReader {
    /** The value stored at {@code key}, or null when absent. */
    byte[] get(byte[] key);

    /**
     * An iterator over {@code [from, to)} in unsigned byte order, ascending, or descending when {@code reverse}
     * (then it starts at the last key below {@code to}). A null {@code from} or {@code to} is unbounded on that
     * side. The iterator must be closed; it holds native resources in some engines.
     */
    EngineIterator iterator(byte[] from, byte[] to, boolean reverse);
}
