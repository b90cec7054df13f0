/** The RocksDB engine, for write-heavy ranges. Only this package imports RocksDB. */
package io.rangekv.store.engine.rocks;
