package io.rangekv.store.command;

import io.rangekv.meta.RegionEpoch;

/**
 * A command for one region, stamped with the epoch its proposer saw; apply re-checks that epoch. {@code writes}
 * names the client mutations of a Put, Delete or Batch so that a retry applies them at most once (null: not
 * deduplicated — admin commands, compare-and-put, delete-range, and requests from clients that send no ids).
 */
public record Proposal(long regionId, RegionEpoch epoch, Command command, ClientWrites writes) {
    public Proposal(long regionId, RegionEpoch epoch, Command command) {
        this(regionId, epoch, command, null);
    }
}
