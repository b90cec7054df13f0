/**
 * The store-wide Raft log: every region group's log entries in one RocksDB ({@link
 * io.rangekv.store.raft.log.RaftLogDb}), plugged into JRaft through {@link
 * io.rangekv.store.raft.log.SharedLogServiceFactory}. Part of the JRaft isolation boundary.
 */
package io.rangekv.store.raft.log;
