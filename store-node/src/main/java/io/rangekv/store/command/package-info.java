/**
 * The sealed {@link io.rangekv.store.command.Command} family: what goes through a region's Raft log, and the
 * {@link io.rangekv.store.command.CommandResult} its apply produces. No protobuf here; the log encoding lives in
 * {@code io.rangekv.store.raft.CommandCodec}.
 */
package io.rangekv.store.command;
