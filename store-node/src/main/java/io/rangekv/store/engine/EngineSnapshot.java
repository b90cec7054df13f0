package io.rangekv.store.engine;

/**
 * A point-in-time view of an engine: reads see exactly the batches written before it was taken, none after. Cheap to
 * take; must be closed (it pins old data). Safe to use from any thread, but one iterator per thread.
 */
public interface EngineSnapshot extends EngineReader, AutoCloseable {
    @Override
    void close();
}
