package io.rangekv.wire;

import com.google.protobuf.ByteString;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.PeerRole;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;
import io.rangekv.proto.gen.MetaProto;

import java.util.List;

/** Converts the metadata aggregates between domain records and their protobuf form. */
public final class MetaCodec {
    private MetaCodec() {
    }

    public static ByteString toProto(Key key) {
        return ByteString.copyFrom(key.unsafeBytes());
    }

    public static Key keyFromProto(ByteString bytes) {
        return Key.wrap(bytes.toByteArray());
    }

    public static MetaProto.RegionEpoch toProto(RegionEpoch epoch) {
        return MetaProto.RegionEpoch.newBuilder()
                .setConfVersion(epoch.confVersion())
                .setVersion(epoch.version())
                .build();
    }

    public static RegionEpoch fromProto(MetaProto.RegionEpoch epoch) {
        return new RegionEpoch(epoch.getConfVersion(), epoch.getVersion());
    }

    public static MetaProto.Peer toProto(Peer peer) {
        return MetaProto.Peer.newBuilder()
                .setPeerId(peer.peerId())
                .setStoreId(peer.storeId())
                .setRole(peer.role() == PeerRole.VOTER ? MetaProto.PeerRole.VOTER : MetaProto.PeerRole.LEARNER)
                .build();
    }

    public static Peer fromProto(MetaProto.Peer peer) {
        PeerRole role = peer.getRole() == MetaProto.PeerRole.LEARNER ? PeerRole.LEARNER : PeerRole.VOTER;
        return new Peer(peer.getPeerId(), peer.getStoreId(), role);
    }

    public static List<MetaProto.Peer> peersToProto(List<Peer> peers) {
        return peers.stream().map(MetaCodec::toProto).toList();
    }

    public static List<Peer> peersFromProto(List<MetaProto.Peer> peers) {
        return peers.stream().map(MetaCodec::fromProto).toList();
    }

    public static MetaProto.Region toProto(Region region) {
        return MetaProto.Region.newBuilder()
                .setRegionId(region.regionId())
                .setStartKey(toProto(region.range().start()))
                .setEndKey(toProto(region.range().end()))
                .setEpoch(toProto(region.epoch()))
                .addAllPeers(peersToProto(region.peers()))
                .build();
    }

    public static Region fromProto(MetaProto.Region region) {
        KeyRange range = new KeyRange(keyFromProto(region.getStartKey()), keyFromProto(region.getEndKey()));
        return new Region(region.getRegionId(), range, fromProto(region.getEpoch()),
                peersFromProto(region.getPeersList()));
    }

    public static List<Region> regionsFromProto(List<MetaProto.Region> regions) {
        return regions.stream().map(MetaCodec::fromProto).toList();
    }

    public static MetaProto.Store toProto(Store store) {
        return MetaProto.Store.newBuilder()
                .setStoreId(store.storeId())
                .setKvAddress(store.kvAddress())
                .setRaftAddress(store.raftAddress())
                .putAllLabels(store.labels())
                .setState(MetaProto.StoreState.valueOf(store.state().name()))
                .build();
    }

    public static Store fromProto(MetaProto.Store store) {
        // An unknown state from a newer peer reads as UP's neighbour DISCONNECTED: never as healthy.
        StoreState state = store.getState() == MetaProto.StoreState.UNRECOGNIZED
                ? StoreState.DISCONNECTED
                : StoreState.valueOf(store.getState().name());
        return new Store(store.getStoreId(), store.getKvAddress(), store.getRaftAddress(), store.getLabelsMap(), state);
    }
}
