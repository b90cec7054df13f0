package io.rangekv.pd.heartbeat;

import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.SystemClock;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StoreStatsBookTest {
    private final StoreStatsBook book = new StoreStatsBook(SystemClock.INSTANCE);
    private final Region region = new Region(7, KeyRange.ALL, RegionEpoch.INITIAL,
            List.of(Peer.voter(71, 1), Peer.voter(72, 2), Peer.voter(73, 3), Peer.learner(74, 4)));

    private void report(long storeId, long peerId, boolean awaiting) {
        PdProto.StoreHeartbeatRequest.Builder hb = PdProto.StoreHeartbeatRequest.newBuilder().setStoreId(storeId);
        if (peerId != 0) {
            hb.addRegionIds(7).addReplicas(PdProto.HostedReplica.newBuilder().setRegionId(7).setPeerId(peerId)
                    .setAwaitingSnapshot(awaiting));
        }
        book.record(hb.build());
    }

    @Test
    void aPeerIsPendingWhileItsStoreRunsItWithoutDataOrDoesNotRunItAtAll() {
        report(1, 71, false);      // runs it with data
        report(2, 0, false);       // does not run region 7 (a split its parent replica has not applied)
        report(3, 99, false);      // runs an older replica of region 7, not peer 73
        report(4, 74, true);       // runs the learner, still waiting for its first RaftSnapshot
        assertEquals(Set.of(72L, 73L, 74L), book.pendingPeers(region));

        report(4, 74, false);
        report(2, 72, false);
        assertEquals(Set.of(73L), book.pendingPeers(region));
    }

    @Test
    void aPeerWhoseStoreHasNotReportedSinceThisMemberLeadsIsPending() {
        report(1, 71, false);
        assertEquals(Set.of(72L, 73L, 74L), book.pendingPeers(region), "only a report proves data");
    }

    @Test
    void aPeerItsStoreReportsFailedIsPending() {
        report(1, 71, false);
        report(3, 73, false);
        report(4, 74, false);
        book.record(PdProto.StoreHeartbeatRequest.newBuilder().setStoreId(2).addRegionIds(7).addFailedRegionIds(7)
                .addReplicas(PdProto.HostedReplica.newBuilder().setRegionId(7).setPeerId(72)).build());
        assertEquals(Set.of(72L), book.pendingPeers(region), "a replica stopped for good serves nothing");
    }
}
