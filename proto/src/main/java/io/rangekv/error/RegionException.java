package io.rangekv.error;

import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;

import java.util.List;
import java.util.Optional;

/**
 * The request reached a store that cannot serve it for this region as routed. Each carries what the caller needs
 * to fix its route without asking the placement driver: a leader hint, or the regions as they are now.
 */
public abstract sealed class RegionException extends KvException {
    private final long regionId;

    private RegionException(ErrorKind kind, long regionId, String message) {
        super(kind, message, null);
        this.regionId = regionId;
    }

    public long regionId() {
        return regionId;
    }

    /** This store's replica is not the leader; the leader (and its KV address) when known. */
    public static final class NotLeader extends RegionException {
        private final Peer leader;
        private final String leaderAddress;

        public NotLeader(long regionId, Peer leader, String leaderAddress) {
            super(ErrorKind.NOT_LEADER, regionId, "region " + regionId + " is not led here; leader "
                    + (leader == null ? "unknown" : leader + " at " + leaderAddress));
            this.leader = leader;
            this.leaderAddress = leaderAddress == null ? "" : leaderAddress;
        }

        public Optional<Peer> leader() {
            return Optional.ofNullable(leader);
        }

        /** host:port of the leader's KV service, or empty when unknown. */
        public String leaderAddress() {
            return leaderAddress;
        }
    }

    /** The request's epoch is not the region's; {@link #currentRegions()} are what this store holds now. */
    public static final class EpochNotMatch extends RegionException {
        private final List<Region> currentRegions;

        public EpochNotMatch(long regionId, List<Region> currentRegions, String message) {
            super(ErrorKind.EPOCH_NOT_MATCH, regionId, message);
            this.currentRegions = List.copyOf(currentRegions);
        }

        public List<Region> currentRegions() {
            return currentRegions;
        }
    }

    /** This store hosts no replica of the region. */
    public static final class RegionNotFound extends RegionException {
        public RegionNotFound(long regionId) {
            super(ErrorKind.REGION_NOT_FOUND, regionId, "region " + regionId + " is not on this store");
        }
    }

    /** The key lies outside the region's range (the region was split or the route is wrong). */
    public static final class KeyNotInRegion extends RegionException {
        private final Key key;
        private final Region region;

        public KeyNotInRegion(Key key, Region region) {
            super(ErrorKind.KEY_NOT_IN_REGION, region.regionId(),
                    "key " + key + " is not in region " + region.regionId() + " " + region.range());
            this.key = key;
            this.region = region;
        }

        public Key key() {
            return key;
        }

        public Region region() {
            return region;
        }
    }
}
