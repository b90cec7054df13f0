package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A region as the schedulers see it: its recorded descriptor, its leader when reported, the stores whose replica
 * reported it frozen for a merge, its approximate size and load (keys read and written per second) from the
 * leader's last report (0 when unknown), and its pending peers: peers whose store does not run them yet, runs
 * them still waiting for their first RaftSnapshot, or reports them failed (they serve no data, so they are neither
 * promoted nor handed the leadership).
 */
public record RegionView(Region region, Optional<Peer> leader, Set<Long> frozenOn, long approximateBytes,
                         long approximateKeys, double keysPerSec, Set<Long> pendingPeers) {
    public RegionView {
        frozenOn = Set.copyOf(frozenOn);
        pendingPeers = Set.copyOf(pendingPeers);
    }

    public RegionView(Region region, Optional<Peer> leader, Set<Long> frozenOn, long approximateBytes,
                      long approximateKeys, double keysPerSec) {
        this(region, leader, frozenOn, approximateBytes, approximateKeys, keysPerSec, Set.of());
    }

    public RegionView(Region region, Optional<Peer> leader) {
        this(region, leader, Set.of(), 0, 0, 0);
    }

    public RegionView withPendingPeers(Set<Long> peers) {
        return new RegionView(region, leader, frozenOn, approximateBytes, approximateKeys, keysPerSec, peers);
    }

    /** The stores whose voter could take the leadership: every voter's but a pending one's. */
    public List<Long> leaderCandidateStores() {
        return region.voters().stream().filter(p -> !pendingPeers.contains(p.peerId())).map(Peer::storeId).toList();
    }

    public long regionId() {
        return region.regionId();
    }

    public boolean ledBy(long storeId) {
        return leader.filter(l -> l.storeId() == storeId).isPresent();
    }

    public RegionView withFrozenOn(Set<Long> stores) {
        return new RegionView(region, leader, stores, approximateBytes, approximateKeys, keysPerSec, pendingPeers);
    }

    /** True when every replica's store reported it frozen. */
    public boolean frozenEverywhere() {
        return region.peers().stream().allMatch(p -> frozenOn.contains(p.storeId()));
    }
}
