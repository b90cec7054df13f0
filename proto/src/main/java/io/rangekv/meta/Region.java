package io.rangekv.meta;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A key range plus its epoch and peers: the unit of replication (one Raft group) and of movement. Immutable; every
 * change produces a new Region.
 */
public record Region(long regionId, KeyRange range, RegionEpoch epoch, List<Peer> peers) {
    public Region {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(epoch, "epoch");
        peers = List.copyOf(peers);
        if (regionId <= 0) {
            throw new IllegalArgumentException("regionId must be positive: " + regionId);
        }
        if (peers.stream().map(Peer::storeId).distinct().count() != peers.size()) {
            throw new IllegalArgumentException("two peers of region " + regionId + " on one store: " + peers);
        }
    }

    public boolean contains(Key key) {
        return range.contains(key);
    }

    public Optional<Peer> peerOnStore(long storeId) {
        return peers.stream().filter(p -> p.storeId() == storeId).findFirst();
    }

    public Optional<Peer> peer(long peerId) {
        return peers.stream().filter(p -> p.peerId() == peerId).findFirst();
    }

    public List<Peer> voters() {
        return peers.stream().filter(Peer::isVoter).toList();
    }

    public Region withRange(KeyRange newRange, RegionEpoch newEpoch) {
        return new Region(regionId, newRange, newEpoch, peers);
    }

    public Region withPeers(List<Peer> newPeers, RegionEpoch newEpoch) {
        return new Region(regionId, range, newEpoch, newPeers);
    }

    @Override
    public String toString() {
        return "Region{" + regionId + " " + range + " " + epoch + " " + peers + "}";
    }
}
