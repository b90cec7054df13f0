package io.rangekv.client.route;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteCacheTest {
    private final AtomicLong nanos = new AtomicLong();
    private final RouteCache cache = new RouteCache(1000, Duration.ofMinutes(10), nanos::get);

    private static Region region(long id, String start, String end, long version) {
        return new Region(id, new KeyRange(Key.of(start), Key.of(end)), new RegionEpoch(1, version),
                List.of(Peer.voter(id * 10 + 1, 1), Peer.voter(id * 10 + 2, 2), Peer.voter(id * 10 + 3, 3)));
    }

    private long regionOf(String key) {
        return cache.lookup(Key.of(key)).map(e -> e.region().regionId()).orElse(-1L);
    }

    @Test
    void findsTheRegionHoldingAKeyByItsStart() {
        cache.put(RouteEntry.of(region(1, "", "g", 1)));
        cache.put(RouteEntry.of(region(2, "g", "p", 1)));
        assertEquals(1, regionOf("a"));
        assertEquals(2, regionOf("g"));
        assertEquals(2, regionOf("ozzz"));
        assertEquals(-1, regionOf("p"), "nothing cached for [p, +inf)");
    }

    @Test
    void aSplitReportedByEpochNotMatchReplacesTheParent() {
        cache.put(RouteEntry.of(region(1, "", "", 1)));
        cache.putAll(List.of(region(1, "", "m", 2), region(7, "m", "", 2)));
        assertEquals(1, regionOf("a"));
        assertEquals(7, regionOf("x"));
        assertEquals(2, cache.size());
        // A late answer carrying the old, wider parent must not undo the split.
        cache.put(RouteEntry.of(region(1, "", "", 1)));
        assertEquals(7, regionOf("x"));
        assertEquals(2, cache.get(1).orElseThrow().region().epoch().version());
    }

    @Test
    void aNewerRegionEvictsEveryOlderOneItOverlaps() {
        cache.put(RouteEntry.of(region(1, "", "m", 2)));
        cache.put(RouteEntry.of(region(7, "m", "", 2)));
        // After a merge (version 3) one region covers both.
        cache.put(RouteEntry.of(region(1, "", "", 3)));
        assertEquals(1, regionOf("x"));
        assertTrue(cache.get(7).isEmpty());
    }

    @Test
    void leaderHintsStickToTheirRegion() {
        cache.put(RouteEntry.of(region(1, "", "", 1)));
        cache.updateLeader(1, Peer.voter(12, 2));
        assertEquals(2, cache.lookup(Key.of("k")).orElseThrow().leader().orElseThrow().storeId());
        cache.updateLeader(1, Peer.voter(99, 9));
        assertEquals(2, cache.lookup(Key.of("k")).orElseThrow().leader().orElseThrow().storeId(),
                "a hint naming a peer the region does not have is ignored");
    }

    @Test
    void entriesExpireAndTheBoundEvicts() {
        cache.put(RouteEntry.of(region(1, "", "g", 1)));
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(11));
        assertEquals(-1, regionOf("a"));
        RouteCache small = new RouteCache(2, Duration.ofMinutes(10), nanos::get);
        for (int i = 0; i < 10; i++) {
            small.put(RouteEntry.of(region(i + 1, "k" + i, "k" + i + "z", 1)));
        }
        assertTrue(small.size() <= 2, "bounded: " + small.size());
    }

    @Test
    void concurrentMissesInOneRangeShareOneLookup() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<Void> gate = new CompletableFuture<>();
        Function<Key, CompletableFuture<RouteEntry>> pd = key -> {
            calls.incrementAndGet();
            return gate.thenApply(v -> RouteEntry.of(region(1, "", "m", 1)));
        };
        List<CompletableFuture<RouteEntry>> waiting = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            waiting.add(cache.locate(Key.of("key" + i), pd, Runnable::run));
        }
        gate.complete(null);
        for (CompletableFuture<RouteEntry> f : waiting) {
            assertEquals(1, f.get(5, TimeUnit.SECONDS).region().regionId());
        }
        assertEquals(1, calls.get());
        // A miss in another range asks again.
        Function<Key, CompletableFuture<RouteEntry>> pd2 = key -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(RouteEntry.of(region(2, "m", "", 1)));
        };
        assertEquals(2, cache.locate(Key.of("x"), pd2, Runnable::run).get(5, TimeUnit.SECONDS).region().regionId());
        assertEquals(2, calls.get());
    }

    @Test
    void aFailedLookupFailsOnlyItsOwnMissAndOthersTryAgain() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<RouteEntry> failing = new CompletableFuture<>();
        Function<Key, CompletableFuture<RouteEntry>> pd = key -> calls.incrementAndGet() == 1 ? failing
                : CompletableFuture.completedFuture(RouteEntry.of(region(1, "", "", 1)));
        CompletableFuture<RouteEntry> first = cache.locate(Key.of("a"), pd, Runnable::run);
        CompletableFuture<RouteEntry> second = cache.locate(Key.of("b"), pd, Runnable::run);
        failing.completeExceptionally(new IllegalStateException("pd unreachable"));
        assertTrue(first.isCompletedExceptionally());
        assertEquals(1, second.get(5, TimeUnit.SECONDS).region().regionId());
        assertEquals(2, calls.get());
    }
}
