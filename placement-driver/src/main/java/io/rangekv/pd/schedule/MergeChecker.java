package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.pd.PdConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Merges adjacent small regions, and builds the steps of any merge (automatic or asked by an admin).
 *
 * <p>A merge moves no data: every store holding a replica of the target must hold one of the source in the same
 * engine. So the source's replicas first move onto the target's stores (learner, promote, remove: never below its
 * replica count), then the source freezes on every replica (PrepareMerge), then the target takes it over
 * (CommitMerge). Pure: a function of the {@link ClusterView}, tested without time or sockets.
 */
public final class MergeChecker {
    private MergeChecker() {
    }

    /**
     * At most one merge per round: the first region (in key order) small enough, whose range has not changed within
     * the split-merge interval, into its smaller eligible neighbour. Both must be healthy: a leader, every replica a
     * voter on an UP store, the full replica count, nothing frozen, no operator.
     *
     * @param unchangedFor how long each region's key range has stayed as it is (since the PD saw its version)
     */
    public static Optional<Operator> check(ClusterView view, PdConfig.MergeConfig config, LongPredicate busy,
                                           LongFunction<Duration> unchangedFor, LongSupplier peerIds,
                                           LongSupplier operatorIds, long nowNanos) {
        List<RegionView> ordered = view.regions().stream()
                .sorted(Comparator.comparing(r -> r.region().range().start())).toList();
        for (int i = 0; i < ordered.size(); i++) {
            RegionView source = ordered.get(i);
            if (!eligible(view, source, config, busy, unchangedFor)) {
                continue;
            }
            List<RegionView> neighbours = new ArrayList<>();
            if (i > 0) {
                neighbours.add(ordered.get(i - 1));
            }
            if (i + 1 < ordered.size()) {
                neighbours.add(ordered.get(i + 1));
            }
            Optional<RegionView> target = neighbours.stream()
                    .filter(n -> n.region().range().joinWith(source.region().range()).isPresent())
                    .filter(n -> eligible(view, n, config, busy, unchangedFor))
                    .min(Comparator.comparingLong(RegionView::approximateBytes).thenComparingLong(RegionView::regionId));
            if (target.isEmpty()) {
                continue;
            }
            Optional<List<Step>> steps = steps(view, source, target.get(), peerIds);
            if (steps.isPresent()) {
                return Optional.of(new Operator(operatorIds.getAsLong(), source.regionId(), "merge",
                        "region " + source.regionId() + " (" + source.approximateBytes() + " bytes, "
                                + source.approximateKeys() + " keys) into neighbour " + target.get().regionId(),
                        steps.get(), nowNanos));
            }
        }
        return Optional.empty();
    }

    private static boolean eligible(ClusterView view, RegionView r, PdConfig.MergeConfig config, LongPredicate busy,
                                    LongFunction<Duration> unchangedFor) {
        return r.approximateBytes() <= config.maxSize().bytes() && r.approximateKeys() <= config.maxKeys()
                && unchangedFor.apply(r.regionId()).compareTo(config.splitMergeInterval()) >= 0
                && !busy.test(r.regionId()) && isHealthy(view, r);
    }

    /** A leader, every replica a voter on an UP store, the full replica count, nothing frozen. */
    public static boolean isHealthy(ClusterView view, RegionView r) {
        List<Peer> peers = r.region().peers();
        return r.leader().isPresent() && r.frozenOn().isEmpty() && peers.size() == view.maxReplicas()
                && peers.stream().allMatch(p -> p.isVoter() && view.state(p.storeId()) == io.rangekv.meta.StoreState.UP);
    }

    /**
     * The steps merging {@code source} into the adjacent {@code target}: move source replicas onto the target's
     * stores, freeze, commit. Empty when the two cannot be aligned (other replica counts, learners, or a target
     * store still running an old replica of the source).
     */
    public static Optional<List<Step>> steps(ClusterView view, RegionView source, RegionView target,
                                             LongSupplier peerIds) {
        Region s = source.region();
        Region t = target.region();
        if (s.peers().size() != t.peers().size() || !allVoters(s) || !allVoters(t)) {
            return Optional.empty();
        }
        Set<Long> sourceStores = stores(s);
        Set<Long> targetStores = stores(t);
        List<Long> add = targetStores.stream().filter(id -> !sourceStores.contains(id)).toList();
        List<Long> remove = sourceStores.stream().filter(id -> !targetStores.contains(id)).toList();
        if (add.stream().anyMatch(id -> view.hostsOldReplica(id, source))) {
            return Optional.empty();
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < add.size(); i++) {
            Peer learner = Peer.learner(peerIds.getAsLong(), add.get(i));
            steps.add(new Step.AddLearner(learner));
            steps.add(new Step.PromoteLearner(learner.peerId()));
            steps.add(new Step.RemovePeer(remove.get(i)));
        }
        steps.add(new Step.PrepareMerge(t.regionId()));
        steps.add(new Step.CommitMerge(t.regionId()));
        return Optional.of(steps);
    }

    private static boolean allVoters(Region r) {
        return r.peers().stream().allMatch(Peer::isVoter);
    }

    private static Set<Long> stores(Region r) {
        Set<Long> stores = new TreeSet<>();
        r.peers().forEach(p -> stores.add(p.storeId()));
        return stores;
    }
}
