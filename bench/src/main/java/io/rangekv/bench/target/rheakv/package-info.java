/**
 * The RheaKV peer target: a 3-store RheaKV cluster (SOFAJRaft's multi-raft KV store) embedded in the bench JVM with
 * fixed placement, driven through RheaKV's own client, at the same engine and durability as RangeKV where RheaKV has
 * them. JRaft is isolated in {@code store.raft} for RangeKV itself; this package is the bench's one other user.
 */
package io.rangekv.bench.target.rheakv;
