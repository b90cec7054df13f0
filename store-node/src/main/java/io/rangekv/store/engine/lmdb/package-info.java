/** The LMDB engine (lmdbjava), for read-heavy ranges. Only this package imports LMDB. */
package io.rangekv.store.engine.lmdb;
