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

    /** One store's latest heartbeat. */
    public record Entry(PdProto.StoreStats stats, Set<Long> regionIds, long receivedAtNanos) {
    }

    public StoreStatsBook(Clock clock) {
        this.clock = clock;
    }

    public void record(PdProto.StoreHeartbeatRequest heartbeat) {
        byStore.put(heartbeat.getStoreId(), new Entry(heartbeat.getStats(),
                Set.copyOf(heartbeat.getRegionIdsList()), clock.nanoTime()));
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

    public void clear() {
        byStore.clear();
    }
}
