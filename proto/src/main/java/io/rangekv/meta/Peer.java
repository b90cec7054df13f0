package io.rangekv.meta;

import java.util.Objects;

/** One replica of a region on one store. */
public record Peer(long peerId, long storeId, PeerRole role) {
    public Peer {
        Objects.requireNonNull(role, "role");
        if (peerId <= 0 || storeId <= 0) {
            throw new IllegalArgumentException("peerId and storeId must be positive: " + peerId + "@" + storeId);
        }
    }

    public static Peer voter(long peerId, long storeId) {
        return new Peer(peerId, storeId, PeerRole.VOTER);
    }

    public static Peer learner(long peerId, long storeId) {
        return new Peer(peerId, storeId, PeerRole.LEARNER);
    }

    public boolean isVoter() {
        return role == PeerRole.VOTER;
    }

    public Peer withRole(PeerRole newRole) {
        return new Peer(peerId, storeId, newRole);
    }

    @Override
    public String toString() {
        return peerId + "@store" + storeId + (role == PeerRole.LEARNER ? "(learner)" : "");
    }
}
