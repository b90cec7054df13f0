package io.rangekv.pd.heartbeat;

import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Clock;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the PD leader heard last from each store: its stats, the regions it hosts, and when. Soft state: a new
 * leader starts empty and fills within one heartbeat interval. Thread-safe.
 */
public final class StoreStatsBook {
    private final Clock clock;
    private final Map<Long, Entry> byStore = new ConcurrentHashMap<>();
    /** When this member started listening (it became leader): a store never heard from is silent since then. */
    private volatile long listeningSinceNanos;

    /**
     * One store's latest heartbeat: its stats, the regions it hosts, those of them frozen for a merge, the peer
     * id of each hosted replica (empty from a store that does not report them), and the regions whose replica here
     * still waits for its first RaftSnapshot.
     */
    public record Entry(PdProto.StoreStats stats, Set<Long> regionIds, Set<Long> frozenRegionIds,
                        Map<Long, Long> peerByRegion, Set<Long> failedRegionIds, Set<Long> awaitingRegionIds,
                        long receivedAtNanos) {
    }

    public StoreStatsBook(Clock clock) {
        this.clock = clock;
        this.listeningSinceNanos = clock.nanoTime();
    }

    public void record(PdProto.StoreHeartbeatRequest heartbeat) {
        Map<Long, Long> peers = new java.util.HashMap<>();
        Set<Long> awaiting = new java.util.HashSet<>();
        heartbeat.getReplicasList().forEach(r -> {
            peers.put(r.getRegionId(), r.getPeerId());
            if (r.getAwaitingSnapshot()) {
                awaiting.add(r.getRegionId());
            }
        });
        byStore.put(heartbeat.getStoreId(), new Entry(heartbeat.getStats(),
                Set.copyOf(heartbeat.getRegionIdsList()), Set.copyOf(heartbeat.getMergingRegionIdsList()),
                Map.copyOf(peers), Set.copyOf(heartbeat.getFailedRegionIdsList()), Set.copyOf(awaiting),
                clock.nanoTime()));
    }

    /**
     * The region's peers that hold no data as far as their stores' latest reports tell: the store does not run the
     * peer at all (a split child on a store whose parent replica has not applied the split, or never will, having
     * caught up past it by RaftSnapshot), or runs it still waiting for its first RaftSnapshot — or has not reported
     * since this member leads: only a report proves data (the chaos suite saw a learner promoted with none right
     * after a PD leader change, on the strength of what the old leader had heard). A replica its store reports
     * failed (stopped for good) counts too: it serves nothing and can take no leadership (chaos seed 631: a drain
     * handed the leadership to a replica stopped by a full disk, again and again, for six minutes).
     */
    public Set<Long> pendingPeers(io.rangekv.meta.Region region) {
        Set<Long> pending = new java.util.TreeSet<>();
        for (io.rangekv.meta.Peer peer : region.peers()) {
            Entry e = byStore.get(peer.storeId());
            if (e == null || !Long.valueOf(peer.peerId()).equals(e.peerByRegion().get(region.regionId()))
                    || e.awaitingRegionIds().contains(region.regionId())
                    || e.failedRegionIds().contains(region.regionId())) {
                pending.add(peer.peerId());
            }
        }
        return pending;
    }

    public Optional<Entry> latest(long storeId) {
        return Optional.ofNullable(byStore.get(storeId));
    }

    /** How long ago the store was last heard from; empty when never (since this member leads). */
    public Optional<Duration> silence(long storeId) {
        Entry e = byStore.get(storeId);
        return e == null ? Optional.empty() : Optional.of(Duration.ofNanos(clock.nanoTime() - e.receivedAtNanos));
    }

    /** Stores heard from within {@code window}, in id order. */
    public List<Long> liveStores(Duration window) {
        long now = clock.nanoTime();
        return byStore.entrySet().stream()
                .filter(e -> now - e.getValue().receivedAtNanos <= window.toNanos())
                .map(Map.Entry::getKey).sorted().toList();
    }

    /**
     * How long the store has been silent as far as this member can tell: since its last heartbeat, or since this
     * member started listening when it never heard from it.
     */
    public Duration silenceOrSinceListening(long storeId) {
        Entry e = byStore.get(storeId);
        long since = e == null ? listeningSinceNanos : e.receivedAtNanos;
        return Duration.ofNanos(clock.nanoTime() - since);
    }

    /** Forgets everything (a new term of leadership): stores are judged from their next heartbeats. */
    public void clear() {
        byStore.clear();
        listeningSinceNanos = clock.nanoTime();
    }
}
