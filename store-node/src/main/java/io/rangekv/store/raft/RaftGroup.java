package io.rangekv.store.raft;

import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.command.Proposal;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Our narrow view of one region's Raft group on this store. Hides the Raft library: callers see domain types and
 * our errors, never library statuses.
 *
 * <p>All methods are thread-safe and never block; futures complete on library threads, so callers continue on their
 * own executor.
 */
public interface RaftGroup {
    /**
     * Proposes a command. Completes with its apply result on this replica once committed and applied; exceptionally
     * with {@code NotLeader} (not proposed), {@code ServerBusy} (not proposed, back off), or {@code UnknownResult}
     * (proposed, outcome unknown: leadership changed or the group stopped).
     */
    CompletableFuture<CommandResult> propose(Proposal proposal);

    /**
     * Completes once this replica has applied everything committed before the call, as {@code consistency} demands
     * (ReadIndex, or the leader lease). Exceptionally with {@code NotLeader} when it cannot confirm.
     */
    CompletableFuture<Void> awaitReadable(ReadConsistency consistency);

    boolean isLeader();

    /** The store of the current leader, when known. */
    OptionalLong leaderStoreId();

    /** Drives the Raft membership to the voters and learners of {@code desired}. Leader only. */
    CompletableFuture<Void> changeMembership(Region desired);

    CompletableFuture<Void> transferLeader(long toStoreId);

    /** Takes a RaftSnapshot now (which lets the library drop the log before it). */
    CompletableFuture<Void> snapshot();

    /** The library's own account of the group (state, term, configuration, replicators), for diagnostics. */
    String describe();

    /** Stops the group and waits for it. */
    void shutdown();
}
