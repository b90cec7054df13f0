package io.rangekv.store.raft;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The RaftSnapshot installs handed to the Raft library and not answered yet: at most one per replica. JRaft 1.3.15
 * mishandles a second offer that arrives while one is under way. The leader repeats an offer whose answer is late,
 * and a repeat that arrives while the first is loading fails inside the library (NullPointerException on its
 * copier), after which the first one's answer cannot be sent and the library never counts that install finished;
 * stopping that replica then waits forever. Chaos seed 618: store 1's admin thread retired region 85 (merged away)
 * right after, waited on it, and created and destroyed nothing more for five minutes, leaving three regions without
 * a quorum. A newer offer meanwhile makes the library cancel the one under way, which can leave a downloaded
 * RaftSnapshot filed but never loaded ({@link SnapshotStoreRepair}). So the store's Raft port turns away any offer
 * for a replica with one under way; the leader offers again shortly and, once the first is done, hears it is.
 */
final class InstallsInFlight {
    /** After this long an unanswered install is taken as lost (its answer never came), not as under way. */
    static final Duration STALE = Duration.ofMinutes(10);

    /** One install: the RaftSnapshot's index and when it was handed to the library. */
    record Claim(long index, long sinceMillis) {
    }

    private final Map<String, Claim> underWay = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    InstallsInFlight(LongSupplier clock) {
        this.clock = clock;
    }

    /** Claims {@code replica} for an install of RaftSnapshot {@code index}; the install under way when there is one. */
    Result claim(String replica, long index) {
        long now = clock.getAsLong();
        Claim mine = new Claim(index, now);
        Claim held = underWay.compute(replica, (k, current) ->
                current == null || now - current.sinceMillis() > STALE.toMillis() ? mine : current);
        return held == mine ? new Result(Optional.of(mine), Optional.empty())
                : new Result(Optional.empty(), Optional.of(held));
    }

    /** The install {@code claim} was answered (or failed): the replica takes offers again. */
    void release(String replica, Claim claim) {
        underWay.remove(replica, claim);
    }

    /** Either the claim made, or the install under way that kept it from being made. */
    record Result(Optional<Claim> claimed, Optional<Claim> busy) {
        /** No claim asked for (the offer was turned away before). */
        static final Result NONE = new Result(Optional.empty(), Optional.empty());
    }
}
