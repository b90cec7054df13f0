package io.rangekv.client.route;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The client's map from key to region and leader hint.
 *
 * <pre>
 *   byStart (sorted, start key -> regionId)  --floor(key)-->  byId (Caffeine: bounded, expiring, regionId -> entry)
 * </pre>
 *
 * Lookup by key is a floor search on start keys, which Caffeine cannot do; Caffeine holds the id-keyed entries and
 * decides what to evict or expire, and its removal listener drops the matching start key.
 *
 * <p>Reads go through a {@link StartIndex}, an immutable sorted array of start-key prefixes: a skip list over
 * 100k regions costs ~2 us a lookup in cache misses (bench/results/2026-11-22-route-cache.md). Every update drops
 * the index; lookups use the skip list until they have paid for a rebuild (one per as many lookups as there are
 * regions), so loading many regions one by one stays linear.
 *
 * <p><b>Concurrency</b>: thread-safe; reads take no lock. Misses are served one lookup at a time: a miss that
 * arrives while a lookup is in flight waits for it and looks again, so concurrent misses within one range share one
 * call to the placement driver. <b>Ordering</b>: an update never replaces a region with an older epoch of the same
 * range; a newer region evicts every cached region it overlaps. <b>Failure</b>: a failed lookup fails only the
 * miss that started it; waiters retry with a lookup of their own.
 */
public final class RouteCache {
    private final ConcurrentSkipListMap<Key, Long> byStart = new ConcurrentSkipListMap<>();
    private final Cache<Long, RouteEntry> byId;
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong lookupsWithoutIndex = new java.util.concurrent.atomic.AtomicLong();
    private volatile StartIndex index;
    private CompletableFuture<RouteEntry> inFlight;

    /**
     * @param maxRegions regions kept at most
     * @param ttl        how long an entry may go unrefreshed before it is looked up again
     * @param ticker     time source (a fake one in tests)
     */
    public RouteCache(long maxRegions, Duration ttl, Ticker ticker) {
        this.byId = Caffeine.newBuilder()
                .maximumSize(maxRegions)
                .expireAfterWrite(ttl)
                .ticker(ticker)
                // Run removal on the caller's thread: nothing of ours runs on the common pool.
                .executor(Runnable::run)
                .removalListener((Long regionId, RouteEntry entry, RemovalCause cause) -> {
                    if (entry != null && cause != RemovalCause.REPLACED) {
                        byStart.remove(entry.region().range().start(), regionId);
                        changed();
                    }
                })
                .build();
    }

    /** The cached region holding {@code key}, if any. */
    public Optional<RouteEntry> lookup(Key key) {
        long regionId = floorRegionId(key);
        if (regionId == 0) {
            return Optional.empty();
        }
        RouteEntry entry = byId.getIfPresent(regionId);
        return entry != null && entry.region().contains(key) ? Optional.of(entry) : Optional.empty();
    }

    /** The id of the region with the greatest start key at or below {@code key}, or 0. */
    private long floorRegionId(Key key) {
        StartIndex current = index;
        if (current != null) {
            return current.floor(key);
        }
        if (lookupsWithoutIndex.incrementAndGet() > byStart.size()) {
            current = rebuildIndex();
            if (current != null) {
                return current.floor(key);
            }
        }
        Map.Entry<Key, Long> floor = byStart.floorEntry(key);
        return floor == null ? 0 : floor.getValue();
    }

    /** Builds the read index from the skip list; publishes it only if nothing changed meanwhile. */
    private StartIndex rebuildIndex() {
        long before = changes.get();
        StartIndex built = StartIndex.of(byStart);
        if (changes.get() != before) {
            return null;
        }
        index = built;
        lookupsWithoutIndex.set(0);
        // A change that raced the publication above must not leave a stale index behind.
        if (changes.get() != before) {
            index = null;
            return null;
        }
        return built;
    }

    private void changed() {
        changes.incrementAndGet();
        index = null;
    }

    public Optional<RouteEntry> get(long regionId) {
        return Optional.ofNullable(byId.getIfPresent(regionId));
    }

    /**
     * Caches {@code entry} unless a cached region overlapping it is newer; drops every older region it overlaps
     * (for example the parent of a split). Synchronized with other updates so the two maps agree.
     */
    public synchronized void put(RouteEntry entry) {
        Region region = entry.region();
        for (Long regionId : overlapping(region)) {
            RouteEntry cached = byId.getIfPresent(regionId);
            if (cached == null) {
                continue;
            }
            if (cached.region().regionId() == region.regionId()
                    ? region.epoch().isStaleComparedTo(cached.region().epoch())
                    : Long.compare(cached.region().epoch().version(), region.epoch().version()) > 0) {
                return;
            }
            byId.invalidate(regionId);
        }
        byStart.put(region.range().start(), region.regionId());
        byId.put(region.regionId(), entry);
        changed();
    }

    /** Regions a store reported with EpochNotMatch: they are the truth now. */
    public void putAll(List<Region> regions) {
        for (Region region : regions) {
            put(RouteEntry.of(region));
        }
    }

    /** A NotLeader hint: remember who leads now, keeping the region as cached. */
    public synchronized void updateLeader(long regionId, Peer leader) {
        RouteEntry cached = byId.getIfPresent(regionId);
        if (cached != null && cached.region().peer(leader.peerId()).isPresent()) {
            byId.put(regionId, cached.withLeader(leader));
        }
    }

    public void invalidate(long regionId) {
        byId.invalidate(regionId);
    }

    /**
     * The region holding {@code key}: from the cache, or else from {@code loader} (the placement driver), whose
     * answer is cached. Misses are served one at a time, so misses in one range cost one call.
     */
    public CompletableFuture<RouteEntry> locate(Key key, Function<Key, CompletableFuture<RouteEntry>> loader,
                                                Executor executor) {
        Optional<RouteEntry> hit = lookup(key);
        if (hit.isPresent()) {
            return CompletableFuture.completedFuture(hit.get());
        }
        synchronized (this) {
            if (inFlight != null && !inFlight.isDone()) {
                // Wait for the lookup in flight (whatever its outcome), then try again: it may have covered us.
                return inFlight.handleAsync((r, e) -> null, executor)
                        .thenCompose(ignored -> locate(key, loader, executor));
            }
            CompletableFuture<RouteEntry> lookup = loader.apply(key).thenApply(entry -> {
                put(entry);
                return entry;
            });
            inFlight = lookup;
            return lookup;
        }
    }

    /** How many regions are cached (for metrics and tests). */
    public long size() {
        byId.cleanUp();
        return byId.estimatedSize();
    }

    private List<Long> overlapping(Region region) {
        Key start = region.range().start();
        Key end = region.range().end();
        Map.Entry<Key, Long> before = byStart.lowerEntry(start);
        var tail = end.isEmpty() ? byStart.tailMap(start, true) : byStart.subMap(start, true, end, false);
        java.util.ArrayList<Long> ids = new java.util.ArrayList<>(tail.values());
        if (before != null) {
            RouteEntry previous = byId.getIfPresent(before.getValue());
            if (previous != null && previous.region().range().intersect(start, end) != null) {
                ids.add(before.getValue());
            }
        }
        return ids;
    }
}
