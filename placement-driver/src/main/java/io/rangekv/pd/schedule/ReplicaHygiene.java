package io.rangekv.pd.schedule;

import io.rangekv.concurrent.ConfinedTo;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.time.Clock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;

/**
 * Replica hygiene, once per scheduling round from the round's {@link ClusterView} (the recorded regions and what
 * each store last reported hosting): which replicas a store must create, and which it must destroy. A decision
 * stands only once its condition held for {@link #GRACE} in every round, so a split child not reported yet or a
 * replica just added is left alone.
 *
 * <p>Create: a replica the metadata places on an UP store that does not host it (typically one that missed a split
 * by catching up through a RaftSnapshot taken after it), from the region's initial descriptor.
 *
 * <p>Destroy — only on positive proof, never from absence. The map can lack a live region for a while: a split's
 * child reported before its parent replaces the parent, and a merge's target covers the source before every target
 * replica has applied the commit. Destroying a replica's keys on such a gap loses data, so a hosted replica is
 * destroyed only when
 * <ul>
 *   <li>its region is recorded and no longer lists the store (the store obeys only while its own replica is older
 *       than the recorded epoch, so a replica the PD has not caught up with yet is kept); or</li>
 *   <li>its region is gone from the map, the PD knows the range it had, and newer regions (higher version) now
 *       cover that whole range and the same store reports hosting each of them — while the store does not report
 *       the replica frozen (a frozen merge source retires by itself once its store's target replica applies the
 *       commit; it is not a stray). A region's id keeps part of its range through every split, so only a merge can
 *       cover it whole.</li>
 * </ul>
 * No operator may claim the replica (a learner it created, a region in a merge). The destroy carries a real epoch,
 * never a made-up maximum that every store would obey.
 */
@ConfinedTo(DecisionThread.NAME)
public final class ReplicaHygiene {
    /** A new split child or a replica just added is not missing, nor stray: its store starts it within seconds. */
    public static final Duration GRACE = Duration.ofSeconds(5);

    private final DecisionThread thread;
    private final Clock clock;
    /** The last descriptor recorded for each region, kept while some store still hosts it after it left the map. */
    private final Map<Long, Region> lastKnown = new HashMap<>();
    /** Since when each (kind, store, region) condition has held without a break. */
    private final Map<Condition, Long> since = new HashMap<>();

    private record Condition(boolean destroy, long storeId, long regionId) {
    }

    /** What the operators say about a region: running on it, or owning a replica unlisted in its descriptor. */
    public interface Operators {
        boolean hasOperator(long regionId);

        boolean claimsReplica(long regionId, long storeId);

        static Operators of(LongPredicate hasOperator, BiPredicate<Long, Long> claimsReplica) {
            return new Operators() {
                @Override
                public boolean hasOperator(long regionId) {
                    return hasOperator.test(regionId);
                }

                @Override
                public boolean claimsReplica(long regionId, long storeId) {
                    return claimsReplica.test(regionId, storeId);
                }
            };
        }
    }

    public ReplicaHygiene(DecisionThread thread, Clock clock) {
        this.thread = thread;
        this.clock = clock;
    }

    /** This round's instructions; {@code initialRegion} is a region's descriptor at log index 0, when known. */
    public List<StoreInstruction> check(ClusterView view, LongFunction<Optional<Region>> initialRegion,
                                        Operators operators) {
        thread.checkOn();
        long now = clock.nanoTime();
        Map<Long, Region> recorded = new HashMap<>();
        view.regions().forEach(r -> recorded.put(r.regionId(), r.region()));
        lastKnown.putAll(recorded);
        List<StoreInstruction> out = new ArrayList<>();
        Set<Condition> holding = new HashSet<>();
        for (StoreView store : view.stores().values()) {
            if (!store.isUp()) {
                continue; // its last report may be old; it hears nothing until it heartbeats again anyway
            }
            for (Region region : recorded.values()) {
                missing(store, region, initialRegion, operators).ifPresent(create -> {
                    if (held(new Condition(false, store.storeId(), region.regionId()), now, holding)) {
                        out.add(create);
                    }
                });
            }
            for (long regionId : store.hostedRegions()) {
                stray(store, regionId, recorded, view, operators).ifPresent(destroy -> {
                    if (held(new Condition(true, store.storeId(), regionId), now, holding)) {
                        out.add(destroy);
                    }
                });
            }
        }
        since.keySet().retainAll(holding);
        forgetGoneRegions(view, recorded);
        return out;
    }

    private boolean held(Condition c, long now, Set<Condition> holding) {
        holding.add(c);
        return now - since.computeIfAbsent(c, k -> now) >= GRACE.toNanos();
    }

    private static Optional<StoreInstruction> missing(StoreView store, Region region,
                                                      LongFunction<Optional<Region>> initialRegion,
                                                      Operators operators) {
        Optional<Peer> peer = region.peerOnStore(store.storeId());
        if (peer.isEmpty() || store.hostedRegions().contains(region.regionId())
                || operators.hasOperator(region.regionId())) {
            return Optional.empty(); // a region with an operator is the operator's business
        }
        return initialRegion.apply(region.regionId()).map(initial -> new StoreInstruction.CreateReplica(
                store.storeId(), initial, peer.get().peerId(), "store " + store.storeId() + " lacks its replica "
                + peer.get().peerId() + " of region " + region.regionId()));
    }

    private Optional<StoreInstruction> stray(StoreView store, long regionId, Map<Long, Region> recorded,
                                             ClusterView view, Operators operators) {
        Region region = recorded.get(regionId);
        Optional<Long> hosted = store.hostedPeer(regionId);
        if (region != null && hosted.isPresent() && region.peerOnStore(store.storeId())
                .filter(listed -> listed.peerId() != hosted.get()).isPresent()) {
            // An old replica, removed from the region and not destroyed yet, while the region lists a new one here
            // (an operator re-adding the region on this store): it must go before the new one can be created —
            // same Raft group id, same address — whatever the operator claims, since it is not the operator's.
            return Optional.of(new StoreInstruction.DestroyReplica(store.storeId(), regionId, region.epoch(),
                    hosted.get(), "store " + store.storeId() + " still runs old replica " + hosted.get()
                            + " of region " + regionId + ", which lists replica "
                            + region.peerOnStore(store.storeId()).get().peerId() + " there"));
        }
        if (operators.claimsReplica(regionId, store.storeId())) {
            return Optional.empty();
        }
        if (region != null) {
            if (region.peerOnStore(store.storeId()).isPresent()) {
                return Optional.empty();
            }
            return Optional.of(new StoreInstruction.DestroyReplica(store.storeId(), regionId, region.epoch(),
                    "region " + regionId + " at " + region.epoch() + " no longer lists store " + store.storeId()));
        }
        Region last = lastKnown.get(regionId);
        if (last == null || store.frozenRegions().contains(regionId)) {
            return Optional.empty(); // absence is not evidence; a frozen merge source retires by itself
        }
        Optional<List<Region>> cover = coveredByNewer(last, view);
        if (cover.isEmpty() || !cover.get().stream().allMatch(r -> store.hostedRegions().contains(r.regionId())
                && r.peerOnStore(store.storeId()).isPresent())) {
            return Optional.empty();
        }
        // One version past the last one the PD saw: a replica still there obeys, one that moved on is kept.
        RegionEpoch past = new RegionEpoch(last.epoch().confVersion(), last.epoch().version() + 1);
        return Optional.of(new StoreInstruction.DestroyReplica(store.storeId(), regionId, past, "region "
                + regionId + " " + last.range() + " was taken over by regions " + cover.get().stream()
                .map(Region::regionId).toList() + ", which store " + store.storeId() + " hosts"));
    }

    /** The recorded regions covering {@code old}'s whole range, each at a higher version; empty on any gap. */
    static Optional<List<Region>> coveredByNewer(Region old, ClusterView view) {
        KeyRange range = old.range();
        List<Region> overlapping = view.regions().stream().map(RegionView::region)
                .filter(r -> overlaps(r.range(), range))
                .sorted(Comparator.comparing((Region r) -> r.range().start())).toList();
        Key reached = range.start();
        for (Region r : overlapping) {
            if (r.epoch().version() <= old.epoch().version() || r.range().start().compareTo(reached) > 0) {
                return Optional.empty(); // not newer, or a gap before it
            }
            if (r.range().isEndUnbounded()) {
                return Optional.of(overlapping);
            }
            if (r.range().end().compareTo(reached) > 0) {
                reached = r.range().end();
            }
            if (!range.isEndUnbounded() && reached.compareTo(range.end()) >= 0) {
                return Optional.of(overlapping);
            }
        }
        return Optional.empty();
    }

    private static boolean overlaps(KeyRange a, KeyRange b) {
        boolean aStartsBeforeBEnds = b.isEndUnbounded() || a.start().compareTo(b.end()) < 0;
        boolean bStartsBeforeAEnds = a.isEndUnbounded() || b.start().compareTo(a.end()) < 0;
        return aStartsBeforeBEnds && bStartsBeforeAEnds;
    }

    /** Drops what is kept of a region that left the map once no store reports hosting it. */
    private void forgetGoneRegions(ClusterView view, Map<Long, Region> recorded) {
        Set<Long> hosted = new HashSet<>();
        view.stores().values().forEach(s -> hosted.addAll(s.hostedRegions()));
        lastKnown.keySet().removeIf(id -> !recorded.containsKey(id) && !hosted.contains(id));
    }

    /** Forgets everything (a new term of leadership). */
    public void clear() {
        thread.checkOn();
        lastKnown.clear();
        since.clear();
    }
}
