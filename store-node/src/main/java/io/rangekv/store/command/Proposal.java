package io.rangekv.store.command;

import io.rangekv.meta.RegionEpoch;

/** A command for one region, stamped with the epoch its proposer saw; apply re-checks that epoch. */
public record Proposal(long regionId, RegionEpoch epoch, Command command) {
}
