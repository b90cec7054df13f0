package io.rangekv.pd.schedule;

import io.rangekv.concurrent.ConfinedTo;
import io.rangekv.meta.Peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The replica consistency check, PD side. A region's leader proposes a ComputeHash entry when asked (by an admin, or
 * every {@code schedule.consistency-check-interval}, one region per round, least recently checked first); every
 * replica hashes the region's data as of that entry and its store reports the hash. Here the hashes of one entry
 * are compared: replicas that applied the same log must agree. When a strict majority agrees, the others have
 * diverged: each is quarantined (it serves nothing and gives up leadership) and replaced by a {@code
 * repair-diverged} operator — a new replica elsewhere first when a spare store is UP, otherwise the diverged one
 * removed and re-added on its store, where it starts from a RaftSnapshot. Without a majority (two replicas that
 * differ) the verdict says so and nothing is touched.
 *
 * <p>Soft state of the PD leader, confined to the decision thread; {@link #verdicts()} is readable from any thread.
 */
@ConfinedTo(DecisionThread.NAME)
public final class ConsistencyChecker {
    public static final String REPAIR_KIND = "repair-diverged";
    /**
     * A check asked of a leader that brought no verdict in this long is asked again: the instruction or the proposal
     * may have been lost (a leader change), or a replica skipped the hash (its snapshot threads were busy).
     */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);

    /** One replica's report: its hash of the region's data at a ComputeHash entry's index. */
    public record Report(long storeId, long peerId, long index, long hash) {
    }

    /**
     * The comparison of one check of a region: the hashes by store at {@code index}, whether they all agree, and
     * the stores whose replicas differ from a strict majority (empty when they agree, or when no majority exists).
     */
    public record Verdict(long regionId, long index, Map<Long, Long> hashByStore, Map<Long, Long> peerByStore,
                          boolean consistent, Set<Long> divergedStores) {
        public Verdict {
            hashByStore = Map.copyOf(hashByStore);
            peerByStore = Map.copyOf(peerByStore);
            divergedStores = Set.copyOf(divergedStores);
        }
    }

    /** What a round decided: regions whose leader is to propose a check, replicas to quarantine, replacements. */
    public record Round(List<Long> checks, List<StoreInstruction> quarantines, List<Operator> replacements) {
    }

    private final DecisionThread thread;
    private final Duration interval;
    private final Map<Long, Map<Long, Report>> reports = new HashMap<>();
    private final Map<Long, Verdict> verdicts = new HashMap<>();
    private final Map<Long, Long> lastAskedNanos = new HashMap<>();
    private final Set<Long> requested = new LinkedHashSet<>();
    /** Checks an admin asked for, asked of a leader and not yet answered: region id to the time asked. */
    private final Map<Long, Long> unanswered = new HashMap<>();
    private volatile List<Verdict> published = List.of();
    private volatile Set<Long> publishedPending = Set.of();

    /** {@code interval}: how often each region is checked without being asked; zero turns that off. */
    public ConsistencyChecker(DecisionThread thread, Duration interval) {
        this.thread = thread;
        this.interval = interval;
    }

    /** A store's heartbeat: the latest hash of each replica it hosts, by region id. */
    public void record(long storeId, Map<Long, Report> latestByRegion) {
        thread.checkOn();
        latestByRegion.forEach((regionId, r) -> reports.computeIfAbsent(regionId, id -> new HashMap<>())
                .merge(storeId, r, (old, now) -> now.index() >= old.index() ? now : old));
    }

    /** Asks for a check of the region as soon as its leader can take one (admin). */
    public void request(long regionId) {
        thread.checkOn();
        requested.add(regionId);
        publishedPending = Set.copyOf(requested);
    }

    /**
     * One scheduling round: compares what the stores reported, then decides which regions to check now (asked
     * ones first; at most one more, the least recently checked, once per interval), which replicas to quarantine
     * and which to replace. {@code busy} regions (an operator, a queued instruction, frozen) are not checked now.
     */
    public Round round(ClusterView view, LongPredicate busy, LongPredicate hasOperator, LongSupplier peerIds,
                       LongSupplier operatorIds, long now) {
        thread.checkOn();
        Map<Long, RegionView> byId = new HashMap<>();
        view.regions().forEach(r -> byId.put(r.regionId(), r));
        reports.keySet().retainAll(byId.keySet());
        verdicts.keySet().retainAll(byId.keySet());
        requested.retainAll(byId.keySet());
        lastAskedNanos.keySet().retainAll(byId.keySet());
        unanswered.keySet().retainAll(byId.keySet());
        for (RegionView r : view.regions()) {
            compare(view, r).ifPresent(v -> {
                verdicts.put(v.regionId(), v);
                unanswered.remove(v.regionId());
            });
        }
        unanswered.entrySet().removeIf(e -> {
            if (now - e.getValue() < ANSWER_WITHIN.toNanos()) {
                return false;
            }
            requested.add(e.getKey());
            return true;
        });
        List<Long> checks = new ArrayList<>();
        for (long regionId : requested) {
            if (byId.get(regionId).leader().isPresent() && !busy.test(regionId)) {
                checks.add(regionId);
                unanswered.put(regionId, now);
            }
        }
        // A region first seen now is first checked one interval from now: a new PD leader does not hash every
        // region at once.
        view.regions().forEach(r -> lastAskedNanos.putIfAbsent(r.regionId(), now));
        if (!interval.isZero()) {
            view.regions().stream()
                    .filter(r -> r.leader().isPresent() && !busy.test(r.regionId()) && !checks.contains(r.regionId()))
                    .filter(r -> now - lastAskedNanos.get(r.regionId()) >= interval.toNanos())
                    .min(Comparator.comparingLong(r -> lastAskedNanos.get(r.regionId())))
                    .ifPresent(r -> checks.add(r.regionId()));
        }
        for (long regionId : checks) {
            requested.remove(regionId);
            lastAskedNanos.put(regionId, now);
        }
        List<StoreInstruction> quarantines = new ArrayList<>();
        List<Operator> replacements = new ArrayList<>();
        for (Verdict v : verdicts.values()) {
            RegionView region = byId.get(v.regionId());
            for (long storeId : v.divergedStores()) {
                Optional<Peer> peer = region.region().peerOnStore(storeId)
                        .filter(p -> p.peerId() == v.peerByStore().get(storeId));
                if (peer.isEmpty()) {
                    continue; // replaced already
                }
                quarantines.add(new StoreInstruction.QuarantineReplica(storeId, v.regionId(), peer.get().peerId(),
                        "its data at index " + v.index() + " differs from " + (v.hashByStore().size() - 1)
                                + " other replicas'"));
                boolean planned = replacements.stream().anyMatch(o -> o.regionId() == v.regionId());
                if (!hasOperator.test(v.regionId()) && !planned) {
                    replacements.add(ReplicaReplacement.of(view, region.region(), storeId, peerIds,
                            operatorIds.getAsLong(), REPAIR_KIND, "replica on store " + storeId + " diverged", now));
                }
            }
        }
        published = verdicts.values().stream().sorted(Comparator.comparingLong(Verdict::regionId)).toList();
        publishedPending = Set.copyOf(requested);
        return new Round(checks, quarantines, replacements);
    }

    /**
     * The verdict of the region's latest check, once every replica on an UP store has reported a hash at the same
     * index (replicas that report a lower index have not applied the check yet; the next round looks again).
     */
    private Optional<Verdict> compare(ClusterView view, RegionView region) {
        Map<Long, Report> byStore = reports.getOrDefault(region.regionId(), Map.of());
        List<Peer> compared = region.region().peers().stream()
                .filter(p -> view.stores().containsKey(p.storeId()) && view.stores().get(p.storeId()).isUp())
                .toList();
        long index = compared.stream().map(p -> byStore.get(p.storeId())).filter(r -> r != null)
                .mapToLong(Report::index).max().orElse(0);
        Verdict known = verdicts.get(region.regionId());
        if (index == 0 || compared.size() < 2 || (known != null && known.index() >= index)) {
            return Optional.empty();
        }
        Map<Long, Long> hashByStore = new TreeMap<>();
        Map<Long, Long> peerByStore = new TreeMap<>();
        for (Peer p : compared) {
            Report r = byStore.get(p.storeId());
            if (r == null || r.index() != index || r.peerId() != p.peerId()) {
                return Optional.empty();
            }
            hashByStore.put(p.storeId(), r.hash());
            peerByStore.put(p.storeId(), p.peerId());
        }
        Map<Long, Long> votes = hashByStore.values().stream()
                .collect(Collectors.groupingBy(h -> h, Collectors.counting()));
        boolean consistent = votes.size() == 1;
        Set<Long> diverged = new TreeSet<>();
        votes.entrySet().stream().filter(e -> e.getValue() * 2 > hashByStore.size()).findFirst()
                .ifPresent(majority -> hashByStore.forEach((storeId, hash) -> {
                    if (!hash.equals(majority.getKey())) {
                        diverged.add(storeId);
                    }
                }));
        return Optional.of(new Verdict(region.regionId(), index, hashByStore, peerByStore, consistent, diverged));
    }

    /** The latest verdict of every region compared so far, in region order. Any thread. */
    public List<Verdict> verdicts() {
        return published;
    }

    /** Regions asked to be checked and not yet asked of their leader. Any thread. */
    public Set<Long> pending() {
        return publishedPending;
    }

    /** Leadership lost: everything here was this leader's. */
    public void clear() {
        thread.checkOn();
        reports.clear();
        verdicts.clear();
        lastAskedNanos.clear();
        requested.clear();
        unanswered.clear();
        published = List.of();
        publishedPending = Set.of();
    }
}
