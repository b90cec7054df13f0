package io.rangekv.store.command;

import io.rangekv.error.KvException;
import io.rangekv.meta.Region;

/**
 * What applying a command produced, handed back to the proposer. Every replica computes the same result; only the
 * leader that proposed the command reports it to a client.
 */
public sealed interface CommandResult {
    /** The command took effect. */
    record Done() implements CommandResult {
    }

    /** A compare-and-put ran; a mismatch is a result, not an error. {@code previous} is null when absent. */
    record CasOutcome(boolean succeeded, byte[] previous) implements CommandResult {
    }

    /** The region changed shape (split: {@code left} is this region and {@code right} the new one). */
    record RegionChanged(Region left, Region right) implements CommandResult {
    }

    /**
     * Apply refused the command deterministically (its epoch or keys no longer fit the region). Nothing changed;
     * the client gets the error and retries with a fresh route.
     */
    record Rejected(KvException error) implements CommandResult {
    }

    CommandResult DONE = new Done();
}
