package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;
import io.rangekv.meta.PeerRole;
import io.rangekv.meta.Region;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One step of an {@link Operator}: when it is done (judged from the region as reported), and what to ask the
 * region's leader while it is not. Membership steps change one peer at a time, so a region never drops below
 * its replica count: add a learner and wait until it has data (its first RaftSnapshot), promote it, only then remove
 * the old peer.
 */
public sealed interface Step {
    boolean isDone(RegionView region);

    /** The peer list to ask for, or the leader move, while the step is not done. */
    Action action(RegionView region);

    /** What the leader should do now. */
    sealed interface Action {
        record ChangePeers(List<Peer> peers) implements Action {
        }

        record TransferLeader(long toStoreId) implements Action {
        }

        record PrepareMerge(long targetRegionId) implements Action {
        }

        record RollbackMerge() implements Action {
        }

        /** Nothing can be done from here (for example no other voter to hand the leadership to). */
        record Wait(String why) implements Action {
        }
    }

    /**
     * A new replica on a store, as a learner: it receives the log but does not vote. Done once the region lists it
     * and its store no longer reports it waiting for its first RaftSnapshot: a learner promoted with no data would
     * count toward the quorum while it could acknowledge nothing (the library's catch-up margin lets a voter with
     * an empty log join a region whose log is short), and could be handed the leadership.
     */
    record AddLearner(Peer learner) implements Step {
        @Override
        public boolean isDone(RegionView r) {
            return r.region().peer(learner.peerId()).isPresent() && !r.pendingPeers().contains(learner.peerId());
        }

        @Override
        public Action action(RegionView r) {
            if (r.region().peer(learner.peerId()).isPresent()) {
                return new Action.Wait("learner " + learner.peerId() + " waits for its first RaftSnapshot");
            }
            List<Peer> peers = new ArrayList<>(r.region().peers());
            peers.add(learner);
            return new Action.ChangePeers(peers);
        }
    }

    record PromoteLearner(long peerId) implements Step {
        @Override
        public boolean isDone(RegionView r) {
            return r.region().peer(peerId).map(Peer::isVoter).orElse(false);
        }

        @Override
        public Action action(RegionView r) {
            return new Action.ChangePeers(r.region().peers().stream()
                    .map(p -> p.peerId() == peerId ? p.withRole(PeerRole.VOTER) : p).toList());
        }
    }

    /** Removes the region's replica on a store; the leadership moves away first when that store leads. */
    record RemovePeer(long storeId) implements Step {
        @Override
        public boolean isDone(RegionView r) {
            return r.region().peerOnStore(storeId).isEmpty();
        }

        @Override
        public Action action(RegionView r) {
            Region region = r.region();
            if (r.ledBy(storeId)) {
                Optional<Long> other = r.leaderCandidateStores().stream().filter(id -> id != storeId).findFirst();
                return other.<Action>map(Action.TransferLeader::new)
                        .orElseGet(() -> new Action.Wait("no other voter to take the leadership"));
            }
            return new Action.ChangePeers(region.peers().stream().filter(p -> p.storeId() != storeId).toList());
        }
    }

    record TransferLeader(long toStoreId) implements Step {
        @Override
        public boolean isDone(RegionView r) {
            return r.ledBy(toStoreId);
        }

        @Override
        public Action action(RegionView r) {
            return new Action.TransferLeader(toStoreId);
        }
    }

    /** Merge: freezes the source (the operator's region) on every replica. */
    record PrepareMerge(long targetRegionId) implements Step {
        @Override
        public boolean isDone(RegionView r) {
            return r.frozenEverywhere();
        }

        @Override
        public Action action(RegionView r) {
            return new Action.PrepareMerge(targetRegionId);
        }
    }

    /**
     * Merge: the target takes over the frozen source. Driven by the target's reports (see
     * {@link OperatorController}); the source's own reports only wait, and the operator ends once the target's
     * range covers the source.
     */
    record CommitMerge(long targetRegionId) implements Step {
        @Override
        public boolean isDone(RegionView r) {
            return false;
        }

        @Override
        public Action action(RegionView r) {
            return new Action.Wait("region " + targetRegionId + " commits the merge");
        }
    }

    /** Thaws a source frozen by a merge abandoned before it committed. */
    record RollbackMerge() implements Step {
        @Override
        public boolean isDone(RegionView r) {
            return r.frozenOn().isEmpty();
        }

        @Override
        public Action action(RegionView r) {
            return new Action.RollbackMerge();
        }
    }
}
