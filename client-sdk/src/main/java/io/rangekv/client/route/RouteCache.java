package io.rangekv.client.route;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The client's map from key to region and leader hint.
 *
 * <pre>
 *   lookup(key) --> StartIndex (immutable arrays: start/end prefixes, entry, write time; rebuilt from byStart)
 *                   else byStart (sorted, start key -> Cached)
 *   byId (Caffeine: bounded, expiring, regionId -> the same Cached): decides what to evict; its removal listener
 *                   drops the start key
 * </pre>
 *
 * Lookup by key is a floor search on start keys, which Caffeine cannot do, and it never touches Caffeine: at 100k
 * regions a Caffeine read alone costs ~1 us in cache misses and in the read-buffer drain it runs on the caller
 * (bench/results/2026-12-02-jmh-codecs.md). Caffeine only bounds and expires the id-keyed side, on updates. Since
 * Caffeine sees no reads, its size bound picks victims by how often regions were written (looked up from the PD),
 * not by how often they are read. A lookup checks the entry's age itself, against the same ticker and TTL, so an
 * entry that Caffeine would have expired is a miss even before Caffeine gets round to removing it. The ticker is
 * read on every hit, so it should be cheap: {@code KvClient} passes a {@link CoarseTicker}, with which an entry is
 * seen expired up to one refresh period (10 ms) late.
 *
 * <p>Reads go through a {@link StartIndex}: a skip list over 100k regions costs ~2 us a lookup in cache misses
 * (bench/results/2026-11-22-route-cache.md). Every update of a range drops the index; lookups use the skip list
 * until they have paid for a rebuild (one per as many lookups as there are regions; one lookup claims it), so
 * loading many regions one by one stays linear. A leader hint changes no range and patches the index in place
 * instead, so a cluster whose leaders move often does not keep lookups on the skip list.
 *
 * <p><b>Concurrency</b>: thread-safe; reads take no lock. Updates are synchronized with each other; Caffeine's
 * evictions may run on any thread that calls into it, and keep the two maps in step by identity of the
 * {@code Cached} they share (a slot is removed only if it still holds what was evicted). Misses are served one
 * lookup at a time: a miss that arrives while a lookup is in flight waits for it and looks again, so concurrent
 * misses within one range share one call to the placement driver. <b>Ordering</b>: an update never replaces a region
 * with an older epoch of the same range; a newer region evicts every cached region it overlaps. <b>Failure</b>: a
 * failed lookup fails only the miss that started it; waiters retry with a lookup of their own.
 */
public final class RouteCache {
    private final ConcurrentSkipListMap<Key, Cached> byStart = new ConcurrentSkipListMap<>();
    private final Cache<Long, Cached> byId;
    private final Ticker ticker;
    private final long ttlNanos;
    /** Bumped by every change of byStart, so a rebuild that raced one discards itself. */
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong lookupsWithoutIndex = new AtomicLong();
    private volatile StartIndex index;
    private CompletableFuture<RouteEntry> inFlight;

    /** An entry and the ticker time it was cached: the value of both maps. Equality is identity, on purpose. */
    static final class Cached {
        private final RouteEntry entry;
        private final long writtenNanos;

        Cached(RouteEntry entry, long writtenNanos) {
            this.entry = entry;
            this.writtenNanos = writtenNanos;
        }

        RouteEntry entry() {
            return entry;
        }

        long writtenNanos() {
            return writtenNanos;
        }

        Key start() {
            return entry.region().range().start();
        }
    }

    /**
     * @param maxRegions regions kept at most
     * @param ttl        how long an entry may go unrefreshed before it is looked up again
     * @param ticker     time source for write times and expiry, read on every lookup that finds a range: pass a cheap
     *                   one such as {@link CoarseTicker} (a fake one in tests)
     */
    public RouteCache(long maxRegions, Duration ttl, Ticker ticker) {
        this.ticker = ticker;
        this.ttlNanos = saturatedNanos(ttl);
        this.byId = Caffeine.newBuilder()
                .maximumSize(maxRegions)
                .expireAfterWrite(ttl)
                .ticker(ticker)
                // Run removal on the caller's thread: nothing of ours runs on the common pool.
                .executor(Runnable::run)
                // Every cause, REPLACED too: a region that came back with another start leaves its old start here.
                // Updates put the new value into byStart first, so this removes nothing when the start is the same.
                .removalListener((Long regionId, Cached cached, RemovalCause cause) -> {
                    if (cached != null && byStart.remove(cached.start(), cached)) {
                        changed();
                    }
                })
                .build();
    }

    private static long saturatedNanos(Duration ttl) {
        try {
            return ttl.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** The cached region holding {@code key}, if any and not older than the TTL. */
    public Optional<RouteEntry> lookup(Key key) {
        StartIndex current = index;
        if (current == null) {
            current = indexAfterEnoughLookups();
        }
        return Optional.ofNullable(current != null ? current.find(key, ticker, ttlNanos) : findInSkipList(key));
    }

    /**
     * The index if this lookup has paid for rebuilding it, else null. {@code byStart.size()} is O(1) here: on the
     * JDK 17 we build for, {@code ConcurrentSkipListMap} keeps its size in a {@code LongAdder} (checked with javap;
     * the JDK 8 javadoc's warning that size walks the map is out of date).
     */
    private StartIndex indexAfterEnoughLookups() {
        if (lookupsWithoutIndex.incrementAndGet() <= byStart.size()) {
            return null;
        }
        // Claim the rebuild by resetting the count: lookups racing this one see a small count and stay on the skip
        // list, and a rebuild spoiled by a racing update is paid for again by as many lookups, so a stream of
        // updates cannot make every lookup copy the map.
        return lookupsWithoutIndex.getAndSet(0) > byStart.size() ? rebuildIndex() : null;
    }

    private RouteEntry findInSkipList(Key key) {
        Map.Entry<Key, Cached> floor = byStart.floorEntry(key);
        if (floor == null) {
            return null;
        }
        Cached cached = floor.getValue();
        return cached.entry().region().contains(key) && ticker.read() - cached.writtenNanos() < ttlNanos
                ? cached.entry() : null;
    }

    /** Builds the read index from the skip list; publishes it only if nothing changed meanwhile. */
    private StartIndex rebuildIndex() {
        long before = changes.get();
        StartIndex built = StartIndex.of(byStart);
        if (changes.get() != before) {
            return null;
        }
        index = built;
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

    /** Whether lookups currently go through the index (for tests). */
    boolean indexed() {
        return index != null;
    }

    public Optional<RouteEntry> get(long regionId) {
        Cached cached = byId.getIfPresent(regionId);
        return cached == null ? Optional.empty() : Optional.of(cached.entry());
    }

    /**
     * Caches {@code entry} unless a cached region overlapping it is newer; drops every older region it overlaps
     * (for example the parent of a split). Synchronized with other updates so the two maps agree.
     */
    public synchronized void put(RouteEntry entry) {
        Region region = entry.region();
        for (Map.Entry<Key, Cached> slot : overlapping(region)) {
            Cached cached = slot.getValue();
            Region old = cached.entry().region();
            if (byId.getIfPresent(old.regionId()) != cached) {
                // Expired (or evicted) in Caffeine, which has not told us yet: no rival, and not to be served.
                if (byStart.remove(slot.getKey(), cached)) {
                    changed();
                }
                continue;
            }
            if (old.regionId() == region.regionId()
                    ? region.epoch().isStaleComparedTo(old.epoch())
                    : Long.compare(old.epoch().version(), region.epoch().version()) > 0) {
                return;
            }
            byId.invalidate(old.regionId());
        }
        Cached fresh = new Cached(entry, ticker.read());
        byStart.put(region.range().start(), fresh);
        byId.put(region.regionId(), fresh);
        changed();
    }

    /**
     * Regions a store reported with EpochNotMatch: they are the truth now. Each one's leader is guessed to be its
     * replica on {@code leaderStore}, when given and the region has one there.
     */
    public void putAll(List<Region> regions, Optional<Long> leaderStore) {
        for (Region region : regions) {
            put(new RouteEntry(region, leaderStore.flatMap(region::peerOnStore)));
        }
    }

    /**
     * A NotLeader hint: remember who leads now, keeping the region as cached. Like any write to Caffeine it starts
     * the entry's TTL again. The range is unchanged, so the index is patched rather than dropped. A hint naming a
     * peer the cached region lacks means the cache missed a membership change (a replica re-created elsewhere):
     * the region is dropped, so the next request asks the PD for it rather than retrying replicas that are gone.
     */
    public synchronized void updateLeader(long regionId, Peer leader) {
        Cached cached = byId.getIfPresent(regionId);
        if (cached == null) {
            return;
        }
        if (cached.entry().region().peer(leader.peerId()).isEmpty()) {
            invalidate(regionId);
            return;
        }
        Cached updated = new Cached(cached.entry().withLeader(leader), ticker.read());
        Key start = cached.start();
        // byStart first, so that the removal listener (REPLACED) finds nothing to remove.
        if (!byStart.replace(start, cached, updated)) {
            return;
        }
        if (!byId.asMap().replace(regionId, cached, updated)) {
            // Evicted or expired meanwhile: the hint goes with it.
            if (byStart.remove(start, updated)) {
                changed();
            }
            return;
        }
        // A rebuild that copied byStart before the replace must discard itself; one published before this
        // increment is the one read below, and gets patched.
        changes.incrementAndGet();
        StartIndex current = index;
        if (current != null && !current.replaceEntry(cached.entry(), updated.entry(), updated.writtenNanos())) {
            changed();
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

    /** The byStart slots whose cached range overlaps {@code region}'s. */
    private List<Map.Entry<Key, Cached>> overlapping(Region region) {
        Key start = region.range().start();
        Key end = region.range().end();
        Map.Entry<Key, Cached> before = byStart.lowerEntry(start);
        var tail = end.isEmpty() ? byStart.tailMap(start, true) : byStart.subMap(start, true, end, false);
        List<Map.Entry<Key, Cached>> slots = new ArrayList<>(tail.entrySet());
        if (before != null && before.getValue().entry().region().range().intersect(start, end) != null) {
            slots.add(before);
        }
        return slots;
    }
}
