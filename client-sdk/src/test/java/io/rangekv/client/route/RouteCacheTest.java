package io.rangekv.client.route;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        cache.putAll(List.of(region(1, "", "m", 2), region(7, "m", "", 2)), java.util.Optional.empty());
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
    }

    @Test
    void aHintNamingAnUnknownPeerDropsTheRegionSoThePdIsAsked() {
        cache.put(RouteEntry.of(region(1, "", "", 1)));
        cache.updateLeader(1, Peer.voter(99, 9));
        assertEquals(-1, regionOf("k"), "the cached peers are behind a membership change");
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

    // --- The index: what a lookup sees once it goes through StartIndex rather than the skip list.

    private static final Duration TTL = Duration.ofMinutes(10);

    /** Looks up until the cache has paid for its index, and checks that it did. */
    private static void buildIndex(RouteCache cache, Key anyKey) {
        for (int i = 0; i <= cache.size() + 1 && !cache.indexed(); i++) {
            cache.lookup(anyKey);
        }
        assertTrue(cache.indexed(), "index built");
    }

    private static Key bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return Key.wrap(b);
    }

    private static Key concat(Key a, Key b) {
        byte[] out = new byte[a.length() + b.length()];
        System.arraycopy(a.unsafeBytes(), 0, out, 0, a.length());
        System.arraycopy(b.unsafeBytes(), 0, out, a.length(), b.length());
        return Key.wrap(out);
    }

    private static Region region(long id, Key start, Key end) {
        return new Region(id, new KeyRange(start, end), new RegionEpoch(1, 1), List.of(Peer.voter(id * 10 + 1, 1)));
    }

    @Test
    void theIndexTreatsAnEntryAsGoneOnceItIsAsOldAsTheTtl() {
        cache.put(RouteEntry.of(region(1, "", "m", 1)));
        buildIndex(cache, Key.of("a"));
        nanos.addAndGet(TTL.toNanos() - 1);
        assertEquals(1, regionOf("a"), "one nanosecond short of the TTL");
        nanos.addAndGet(1);
        assertEquals(-1, regionOf("a"), "as old as the TTL: expired, as Caffeine's expireAfterWrite counts");
        assertTrue(cache.indexed(), "the index itself said so: no update has dropped it");
        assertTrue(cache.get(1).isEmpty(), "Caffeine agrees");
    }

    @Test
    void aLeaderHintIsVisibleToTheNextLookupAndKeepsTheIndex() {
        cache.put(RouteEntry.of(region(1, "", "m", 1)));
        cache.put(RouteEntry.of(region(2, "m", "", 1)));
        buildIndex(cache, Key.of("a"));
        cache.updateLeader(1, Peer.voter(12, 2));
        assertEquals(2, cache.lookup(Key.of("a")).orElseThrow().leader().orElseThrow().storeId());
        cache.updateLeader(1, Peer.voter(13, 3));
        assertEquals(3, cache.lookup(Key.of("a")).orElseThrow().leader().orElseThrow().storeId());
        assertTrue(cache.lookup(Key.of("x")).orElseThrow().leader().isEmpty(), "the other region keeps no hint");
        assertTrue(cache.indexed(), "a leader hint patches the index instead of dropping it");
    }

    @Test
    void aLeaderHintStartsTheTtlAgainAsAWriteToCaffeineDoes() {
        cache.put(RouteEntry.of(region(1, "", "", 1)));
        buildIndex(cache, Key.of("a"));
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(9));
        cache.updateLeader(1, Peer.voter(12, 2));
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(9));
        assertEquals(1, regionOf("a"), "18 minutes after the put, 9 after the hint");
        assertTrue(cache.get(1).isPresent(), "Caffeine agrees");
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(1));
        assertEquals(-1, regionOf("a"));
    }

    @Test
    void rangeEndsThatTieOnTheirFirstEightBytesAreComparedInFull() {
        Key p = Key.of("prefix00");
        Key ff8 = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
        List<Region> regions = List.of(
                region(1, Key.EMPTY, p),                               // end is exactly the 8-byte prefix
                region(2, p, Key.of("prefix00m")),                     // start and end tie on their prefix
                // a hole: [prefix00m, prefix00x)
                region(3, Key.of("prefix00x"), concat(ff8, bytes(0x10))), // end's prefix is all 0xff
                region(4, concat(ff8, bytes(0x20)), Key.EMPTY));        // unbounded: its end marker is all 0xff too
        Object[][] probes = {
                {Key.EMPTY, 1L}, {Key.of("prefix0"), 1L}, {Key.of("prefix/zzzzzzzz"), 1L},
                {p, 2L}, {bytes('p', 'r', 'e', 'f', 'i', 'x', '0', '0', 0), 2L}, {Key.of("prefix00l\u007f\u007f"), 2L},
                {Key.of("prefix00m"), -1L}, {Key.of("prefix00m\u0000"), -1L}, {Key.of("prefix00wzzzz"), -1L},
                {Key.of("prefix00x"), 3L}, {ff8, 3L}, {concat(ff8, bytes(0x0f, 0xff)), 3L},
                {concat(ff8, bytes(0x10)), -1L}, {concat(ff8, bytes(0x1f, 0xff, 0xff)), -1L},
                {concat(ff8, bytes(0x20)), 4L}, {concat(ff8, bytes(0xff, 0xff, 0xff, 0xff)), 4L},
        };
        RouteCache indexed = new RouteCache(1000, TTL, nanos::get);
        regions.forEach(r -> indexed.put(RouteEntry.of(r)));
        buildIndex(indexed, Key.EMPTY);
        for (Object[] probe : probes) {
            Key key = (Key) probe[0];
            // A fresh cache answers its first lookup from the skip list; the other one from its index.
            RouteCache fresh = new RouteCache(1000, TTL, nanos::get);
            regions.forEach(r -> fresh.put(RouteEntry.of(r)));
            assertEquals(probe[1], fresh.lookup(key).map(e -> e.region().regionId()).orElse(-1L), "skip list: " + key);
            assertFalse(fresh.indexed());
            assertEquals(probe[1], indexed.lookup(key).map(e -> e.region().regionId()).orElse(-1L), "index: " + key);
        }
        assertTrue(indexed.indexed());
    }

    /** Keys that stress the 8-byte prefix: a shared 8-byte head, short keys, 0x00 and 0xff bytes. */
    private static Key trickyKey(Random random) {
        byte[] head = random.nextBoolean() ? "prefix00".getBytes(StandardCharsets.US_ASCII) : new byte[0];
        int length = random.nextInt(12);
        byte[] bytes = new byte[head.length + length];
        System.arraycopy(head, 0, bytes, 0, head.length);
        for (int i = head.length; i < bytes.length; i++) {
            int pick = random.nextInt(4);
            bytes[i] = (byte) (pick == 0 ? 0x00 : pick == 1 ? 0xff : pick == 2 ? '0' : random.nextInt(256));
        }
        return Key.wrap(bytes);
    }

    @Test
    void lookupsAgreeWithTheRangesThemselvesOnTrickyKeysWithHoles() {
        Random random = new Random(20261203);
        for (int round = 0; round < 30; round++) {
            TreeSet<Key> boundaries = new TreeSet<>();
            int n = 2 + random.nextInt(60);
            while (boundaries.size() < n) {
                Key k = trickyKey(random);
                if (!k.isEmpty()) {
                    boundaries.add(k);
                }
            }
            List<Key> bounds = new ArrayList<>(boundaries);
            bounds.add(0, Key.EMPTY);
            bounds.add(Key.EMPTY); // the last range is unbounded
            List<Region> regions = new ArrayList<>();
            for (int i = 0; i + 1 < bounds.size(); i++) {
                if (random.nextInt(4) != 0) { // one range in four is a hole
                    regions.add(region(i + 1, bounds.get(i), bounds.get(i + 1)));
                }
            }
            RouteCache routes = new RouteCache(1000, TTL, nanos::get);
            regions.forEach(r -> routes.put(RouteEntry.of(r)));
            buildIndex(routes, Key.EMPTY);
            for (int probe = 0; probe < 300; probe++) {
                Key key = probe % 3 == 0 ? bounds.get(random.nextInt(bounds.size())) : trickyKey(random);
                long expected = regions.stream().filter(r -> r.contains(key)).mapToLong(Region::regionId)
                        .findFirst().orElse(-1L);
                assertEquals(expected, routes.lookup(key).map(e -> e.region().regionId()).orElse(-1L), "key " + key);
            }
            assertTrue(routes.indexed());
        }
    }

    @Test
    void regionsEvictedByTheSizeBoundAreGoneFromLookups() {
        RouteCache small = new RouteCache(3, TTL, nanos::get);
        for (int i = 0; i < 10; i++) {
            small.put(RouteEntry.of(region(i + 1, "k" + i, "k" + i + "z", 1)));
        }
        for (int round = 0; round < 3; round++) { // the first round from the skip list, later ones from the index
            Set<Long> hits = new HashSet<>();
            Set<Long> cached = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                small.lookup(Key.of("k" + i + "a")).ifPresent(e -> hits.add(e.region().regionId()));
                small.get(i + 1).ifPresent(e -> cached.add(e.region().regionId()));
            }
            assertEquals(cached, hits, "lookups find exactly what Caffeine kept");
            assertTrue(hits.size() <= 3 && !hits.isEmpty(), "bounded: " + hits);
        }
        assertTrue(small.indexed());
    }

    @Test
    void aRegionCachedAgainWithAnotherStartLeavesNothingAtItsOldOne() {
        cache.put(RouteEntry.of(region(1, "a", "c", 1)));
        buildIndex(cache, Key.of("b"));
        cache.put(RouteEntry.of(region(1, "d", "f", 2)));
        for (int i = 0; i < 5; i++) {
            assertEquals(-1, regionOf("b"));
            assertEquals(1, regionOf("e"));
        }
        assertEquals(1, cache.size());
    }

    @Test
    void anExpiredRegionDoesNotShadowAFreshOneBelowIt() {
        cache.put(RouteEntry.of(region(1, "g", "m", 1)));
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(11));
        cache.put(RouteEntry.of(region(2, "", "", 2)));
        for (int i = 0; i < 5; i++) {
            assertEquals(2, regionOf("h"));
        }
        assertEquals(1, cache.size());
    }

    @Test
    void lookupsRacingLeaderHintsSeeAWholeEntry() throws Exception {
        List<Peer> peers = List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3));
        cache.put(new RouteEntry(new Region(1, KeyRange.ALL, new RegionEpoch(1, 1), peers), Optional.empty()));
        buildIndex(cache, Key.of("a"));
        AtomicInteger bad = new AtomicInteger();
        Thread reader = new Thread(() -> {
            for (int i = 0; i < 200_000; i++) {
                RouteEntry e = cache.lookup(Key.of("a")).orElse(null);
                if (e == null || e.region().regionId() != 1
                        || (e.leader().isPresent() && !peers.contains(e.leader().get()))) {
                    bad.incrementAndGet();
                }
            }
        });
        reader.start();
        for (int i = 0; i < 20_000; i++) {
            cache.updateLeader(1, peers.get(i % 3));
        }
        reader.join();
        assertEquals(0, bad.get());
        assertEquals(peers.get((20_000 - 1) % 3), cache.lookup(Key.of("a")).orElseThrow().leader().orElseThrow());
        assertTrue(cache.indexed());
    }

    // --- Pacing of rebuilds.

    @Test
    void theIndexIsRebuiltAfterAsManyLookupsAsThereAreStarts() {
        for (int i = 0; i < 5; i++) {
            cache.put(RouteEntry.of(region(i + 1, "k" + i, "k" + i + "z", 1)));
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(1, regionOf("k0a"));
            assertFalse(cache.indexed(), "lookup " + (i + 1) + " of 5 still on the skip list");
        }
        assertEquals(1, regionOf("k0a"));
        assertTrue(cache.indexed(), "the sixth lookup has paid for the rebuild");
    }
}
