package io.rangekv.store.command;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;

import java.util.Arrays;
import java.util.List;

/**
 * A replicated change to one region: proposed by the leader, committed by the region's Raft group, then applied
 * by every replica in log order. Data commands change keys; admin commands (split, change peers) change the region.
 * Immutable; records holding bytes override equality so that two equal commands compare equal.
 */
public sealed interface Command {

    /** True for commands that change the region itself rather than its keys. */
    default boolean isAdmin() {
        return false;
    }

    /** A single-key write, also allowed inside a {@link Batch}. */
    sealed interface Mutation extends Command permits Put, Delete {
        Key key();
    }

    record Put(Key key, byte[] value) implements Mutation {
        @Override
        public boolean equals(Object o) {
            return o instanceof Put p && key.equals(p.key) && Arrays.equals(value, p.value);
        }

        @Override
        public int hashCode() {
            return key.hashCode() * 31 + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Put{" + key + ", " + value.length + "B}";
        }
    }

    record Delete(Key key) implements Mutation {
    }

    /** Removes every key in {@code range}, which must lie within the region. */
    record DeleteRange(KeyRange range) implements Command {
    }

    /**
     * Puts {@code value} when the current value equals {@code expected}; a null {@code expected} means "only if
     * absent". Evaluated at apply, against the replica's state, so every replica reaches the same answer.
     */
    record CompareAndPut(Key key, byte[] expected, byte[] value) implements Command {
        @Override
        public boolean equals(Object o) {
            return o instanceof CompareAndPut c && key.equals(c.key) && Arrays.equals(expected, c.expected)
                    && Arrays.equals(value, c.value);
        }

        @Override
        public int hashCode() {
            return (key.hashCode() * 31 + Arrays.hashCode(expected)) * 31 + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "CompareAndPut{" + key + (expected == null ? ", absent" : "") + "}";
        }
    }

    /**
     * Several puts and deletes applied atomically. An empty batch is a no-op entry: the leader proposes one to make
     * log entries flow (see {@code RegionPeer.driveMembership}).
     */
    record Batch(List<Mutation> mutations) implements Command {
        public Batch {
            mutations = List.copyOf(mutations);
        }
    }

    /**
     * Shrinks the region to {@code [start, splitKey)} and creates {@code [splitKey, end)} as region
     * {@code newRegionId}, whose peers sit on the same stores with ids {@code newPeerIds} (one per current peer, in
     * the current peer order).
     */
    record Split(Key splitKey, long newRegionId, List<Long> newPeerIds) implements Command {
        public Split {
            newPeerIds = List.copyOf(newPeerIds);
        }

        @Override
        public boolean isAdmin() {
            return true;
        }
    }

    /**
     * Merge, step 1 (source region): freezes the region for a merge into {@code targetRegionId}. From this entry on
     * the region applies no data command and no shape change, so every replica ends with the same data.
     */
    record PrepareMerge(long targetRegionId) implements Command {
        @Override
        public boolean isAdmin() {
            return true;
        }
    }

    /**
     * Merge, step 2 (target region): extends the region over the adjacent {@code source}, as it was when frozen.
     * Data moves nowhere: every store holding a replica of the target holds the source's frozen replica in the same
     * engine.
     */
    record CommitMerge(io.rangekv.meta.Region source) implements Command {
        @Override
        public boolean isAdmin() {
            return true;
        }
    }

    /** Undoes {@link PrepareMerge} when the merge is abandoned before it committed; {@code version + 1}. */
    record RollbackMerge() implements Command {
        @Override
        public boolean isAdmin() {
            return true;
        }
    }

    /**
     * The consistency check: every replica hashes the region's data as of this entry (the applier flushes right
     * after it, so the hash covers exactly the log up to here). Changes no data; needs only the key layout
     * (version) to match, like a data command.
     */
    record ComputeHash() implements Command {
    }

    /** Replaces the region's peer list ({@code confVersion + 1}); the Raft membership follows it. */
    record ChangePeers(List<Peer> peers) implements Command {
        public ChangePeers {
            peers = List.copyOf(peers);
        }

        @Override
        public boolean isAdmin() {
            return true;
        }
    }
}
