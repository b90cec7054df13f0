/**
 * Local ordered storage: the narrow {@link io.rangekv.store.engine.Engine} interface, the engine-neutral
 * {@link io.rangekv.store.engine.WriteBatch}, and the physical key layout ({@link io.rangekv.store.engine.Keys}).
 * Implementations live in {@code .mem}, {@code .lmdb} and {@code .rocks}; only those packages import RocksDB or LMDB.
 */
package io.rangekv.store.engine;
