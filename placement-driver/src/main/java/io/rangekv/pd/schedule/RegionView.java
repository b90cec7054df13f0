package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;

import java.util.Optional;
import java.util.Set;

/**
 * A region as the schedulers see it: its recorded descriptor, its leader when reported, the stores whose replica
 * reported it frozen for a merge, and its approximate size and load (keys read and written per second) from the
 * leader's last report (0 when unknown).
 */
public record RegionView(Region region, Optional<Peer> leader, Set<Long> frozenOn, long approximateBytes,
                         long approximateKeys, double keysPerSec) {
    public RegionView {
        frozenOn = Set.copyOf(frozenOn);
    }

    public RegionView(Region region, Optional<Peer> leader) {
        this(region, leader, Set.of(), 0, 0, 0);
    }

    public long regionId() {
        return region.regionId();
    }

    public boolean ledBy(long storeId) {
        return leader.filter(l -> l.storeId() == storeId).isPresent();
    }

    public RegionView withFrozenOn(Set<Long> stores) {
        return new RegionView(region, leader, stores, approximateBytes, approximateKeys, keysPerSec);
    }

    /** True when every replica's store reported it frozen. */
    public boolean frozenEverywhere() {
        return region.peers().stream().allMatch(p -> frozenOn.contains(p.storeId()));
    }
}
