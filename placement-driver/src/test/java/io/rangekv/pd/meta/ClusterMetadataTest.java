package io.rangekv.pd.meta;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.MetaCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterMetadataTest {
    private static final List<Peer> PEERS = List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3));

    private static Region region(long id, String start, String end, long confVersion, long version) {
        return new Region(id, new KeyRange(Key.of(start), Key.of(end)), new RegionEpoch(confVersion, version), PEERS);
    }

    private static PdProto.PdCommand put(Region... regions) {
        PdProto.PutRegionsCommand.Builder b = PdProto.PutRegionsCommand.newBuilder();
        for (Region r : regions) {
            b.addRegions(MetaCodec.toProto(r));
        }
        return PdProto.PdCommand.newBuilder().setPutRegions(b).build();
    }

    private static ClusterMetadata bootstrapped() {
        ClusterMetadata m = new ClusterMetadata();
        ClusterMetadata.Outcome o = m.apply(PdProto.PdCommand.newBuilder()
                .setBootstrap(PdProto.BootstrapCommand.newBuilder().addAllStoreIds(List.of(1L, 2L, 3L))).build());
        assertInstanceOf(ClusterMetadata.Outcome.Bootstrapped.class, o);
        return m;
    }

    @Test
    void bootstrapCreatesOneRegionOverEverythingOnce() {
        ClusterMetadata m = bootstrapped();
        Region first = m.regionByKey(Key.of("anything")).orElseThrow();
        assertEquals(KeyRange.ALL, first.range());
        assertEquals(RegionEpoch.INITIAL, first.epoch());
        assertEquals(List.of(1L, 2L, 3L), first.peers().stream().map(Peer::storeId).toList());
        // region id 1, peers 2..4: all from the one allocator
        assertEquals(1, first.regionId());
        assertEquals(List.of(2L, 3L, 4L), first.peers().stream().map(Peer::peerId).toList());
        ClusterMetadata.Outcome again = m.apply(PdProto.PdCommand.newBuilder()
                .setBootstrap(PdProto.BootstrapCommand.newBuilder().addStoreIds(9)).build());
        assertInstanceOf(ClusterMetadata.Outcome.Unchanged.class, again);
        assertEquals(1, m.regions().size());
    }

    @Test
    void idsAreNeverHandedOutTwice() {
        ClusterMetadata m = bootstrapped();
        var a = (ClusterMetadata.Outcome.IdsAllocated) m.apply(PdProto.PdCommand.newBuilder()
                .setAllocIds(PdProto.AllocIdsCommand.newBuilder().setCount(4)).build());
        var b = (ClusterMetadata.Outcome.IdsAllocated) m.apply(PdProto.PdCommand.newBuilder()
                .setAllocIds(PdProto.AllocIdsCommand.newBuilder().setCount(1)).build());
        assertEquals(5, a.first());
        assertEquals(9, b.first());
    }

    @Test
    void aSplitReportedHalfByHalfReplacesTheParent() {
        ClusterMetadata m = new ClusterMetadata();
        m.apply(put(region(1, "", "", 1, 1)));
        assertTrue(m.apply(put(region(1, "", "m", 1, 2))) instanceof ClusterMetadata.Outcome.Changed);
        assertTrue(m.regionByKey(Key.of("x")).isEmpty(), "the right half is unknown until reported");
        m.apply(put(region(7, "m", "", 1, 2)));
        assertEquals(7, m.regionByKey(Key.of("x")).orElseThrow().regionId());
        assertEquals(1, m.regionByKey(Key.of("a")).orElseThrow().regionId());
        assertEquals(2, m.regions().size());
    }

    @Test
    void staleReportsAreIgnored() {
        ClusterMetadata m = new ClusterMetadata();
        m.apply(put(region(1, "", "m", 1, 2), region(7, "m", "", 1, 2)));
        // the parent as it was before the split, from a leader that has not heard of it
        assertInstanceOf(ClusterMetadata.Outcome.Unchanged.class, m.apply(put(region(1, "", "", 1, 1))));
        // another region's old view overlapping newer regions
        assertInstanceOf(ClusterMetadata.Outcome.Unchanged.class, m.apply(put(region(9, "a", "z", 1, 1))));
        // an older membership of the same region
        m.apply(put(region(7, "m", "", 3, 2)));
        assertInstanceOf(ClusterMetadata.Outcome.Unchanged.class, m.apply(put(region(7, "m", "", 2, 2))));
        assertEquals(3, m.regionById(7).orElseThrow().epoch().confVersion());
        assertEquals(2, m.regions().size());
    }

    @Test
    void regionBeforeAndScanFollowKeyOrder() {
        ClusterMetadata m = new ClusterMetadata();
        m.apply(put(region(1, "", "g", 1, 3), region(2, "g", "p", 1, 3), region(3, "p", "", 1, 3)));
        assertEquals(3, m.regionBefore(Key.EMPTY).orElseThrow().regionId());
        assertEquals(1, m.regionBefore(Key.of("g")).orElseThrow().regionId());
        assertEquals(2, m.regionBefore(Key.of("h")).orElseThrow().regionId());
        assertEquals(List.of(2L, 3L), m.scanRegions(Key.of("h"), Key.EMPTY, 0).stream().map(Region::regionId)
                .toList());
        assertEquals(List.of(1L, 2L), m.scanRegions(Key.EMPTY, Key.of("p"), 0).stream().map(Region::regionId)
                .toList());
        assertEquals(List.of(1L), m.scanRegions(Key.EMPTY, Key.EMPTY, 1).stream().map(Region::regionId).toList());
    }

    @Test
    void storesVersionMovesOnlyOnChange() {
        ClusterMetadata m = new ClusterMetadata();
        Store s = new Store(1, "127.0.0.1:1", "127.0.0.1:2", Map.of("engine", "lmdb"), StoreState.UP);
        PdProto.PdCommand put = PdProto.PdCommand.newBuilder().setPutStore(PdProto.PutStoreCommand.newBuilder()
                .setStore(MetaCodec.toProto(s))).build();
        m.apply(put);
        long v = m.storesVersion();
        assertInstanceOf(ClusterMetadata.Outcome.Unchanged.class, m.apply(put));
        assertEquals(v, m.storesVersion());
        assertFalse(m.stores().isEmpty());
    }

    private static PdProto.PdCommand setMaxReplicas(int n) {
        return PdProto.PdCommand.newBuilder().setSetReplication(PdProto.SetReplicationCommand.newBuilder()
                .setMaxReplicas(n)).build();
    }

    @Test
    void anAdminsReplicaCountIsKeptAndZeroSetsNothing() {
        ClusterMetadata m = bootstrapped();
        assertTrue(m.maxReplicas().isEmpty(), "pd.max-replicas applies until an admin sets one");
        assertInstanceOf(ClusterMetadata.Outcome.Changed.class, m.apply(setMaxReplicas(5)));
        assertEquals(5, m.maxReplicas().getAsInt());
        assertInstanceOf(ClusterMetadata.Outcome.Unchanged.class, m.apply(setMaxReplicas(5)));
        assertInstanceOf(ClusterMetadata.Outcome.Unchanged.class, m.apply(setMaxReplicas(0)));
        assertEquals(5, m.maxReplicas().getAsInt());
    }

    @Test
    void aRaftSnapshotRoundTripsTheWholeState() {
        ClusterMetadata m = bootstrapped();
        m.apply(put(region(1, "", "m", 1, 2), region(7, "m", "", 1, 2)));
        m.apply(setMaxReplicas(3));
        ClusterMetadata copy = new ClusterMetadata();
        copy.load(m.toProto());
        assertEquals(m.toProto(), copy.toProto());
        assertTrue(copy.isBootstrapped());
        assertEquals(3, copy.maxReplicas().getAsInt());
    }
}
