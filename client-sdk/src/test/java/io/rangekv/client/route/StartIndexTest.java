package io.rangekv.client.route;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StartIndexTest {
    /** Keys that stress the prefix: short ones, equal 8-byte prefixes, 0x00 and 0xff bytes. */
    private static Key randomKey(Random random) {
        int length = random.nextInt(12);
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            int pick = random.nextInt(4);
            bytes[i] = (byte) (pick == 0 ? 0x00 : pick == 1 ? 0xff : pick == 2 ? 'a' : random.nextInt(256));
        }
        return Key.wrap(bytes);
    }

    @Test
    void floorAgreesWithASortedMapOnTrickyKeys() {
        Random random = new Random(20261122);
        for (int round = 0; round < 50; round++) {
            TreeMap<Key, Long> starts = new TreeMap<>();
            int n = 1 + random.nextInt(200);
            for (int i = 0; i < n; i++) {
                starts.put(randomKey(random), (long) i + 1);
            }
            StartIndex index = indexOf(starts);
            for (int probe = 0; probe < 500; probe++) {
                Key key = randomKey(random);
                Map.Entry<Key, Long> expected = starts.floorEntry(key);
                assertEquals(expected == null ? 0 : expected.getValue(), index.floor(key), "key " + key);
            }
            for (Map.Entry<Key, Long> e : starts.entrySet()) {
                assertEquals(e.getValue(), index.floor(e.getKey()), "exact start " + e.getKey());
            }
        }
    }

    private static StartIndex indexOf(TreeMap<Key, Long> starts) {
        ConcurrentSkipListMap<Key, RouteCache.Cached> byStart = new ConcurrentSkipListMap<>();
        starts.forEach((start, id) -> byStart.put(start, new RouteCache.Cached(RouteEntry.of(new Region(id,
                new KeyRange(start, Key.EMPTY), RegionEpoch.INITIAL, List.of(Peer.voter(1, 1)))), 0)));
        return StartIndex.of(byStart);
    }

    private static Key ff(int count, int... tail) {
        byte[] bytes = new byte[count + tail.length];
        Arrays.fill(bytes, 0, count, (byte) 0xff);
        for (int i = 0; i < tail.length; i++) {
            bytes[count + i] = (byte) tail[i];
        }
        return Key.wrap(bytes);
    }

    @Test
    void keysWhosePrefixIsAllOnesAreNotMistakenForThePaddingOfTheLastBlock() {
        // 13 starts: the last block of eight holds five and three slots of padding, whose value is all ones too.
        TreeMap<Key, Long> starts = new TreeMap<>();
        starts.put(Key.EMPTY, 1L);
        for (int i = 0; i < 10; i++) {
            starts.put(Key.of(String.valueOf((char) ('a' + i))), (long) i + 2);
        }
        starts.put(ff(8), 20L);
        starts.put(ff(8, 0x10), 21L);
        StartIndex index = indexOf(starts);
        for (Key key : List.of(ff(7), ff(7, 0xfe, 0xff), ff(8), ff(8, 0x00), ff(8, 0x0f), ff(8, 0x10), ff(8, 0x11),
                ff(12), Key.of("j"), Key.of("jz"), Key.EMPTY)) {
            assertEquals(starts.floorEntry(key).getValue(), index.floor(key), "key " + key);
        }
        TreeMap<Key, Long> high = new TreeMap<>(Map.of(ff(8, 0x10), 5L));
        assertEquals(0, indexOf(high).floor(ff(8)), "below the only start, though the padding ties with it");
        assertEquals(0, indexOf(new TreeMap<>()).floor(Key.of("x")), "empty index");
    }

    @Test
    void theCacheDropsItsIndexOnEveryUpdate() {
        RouteCache cache = new RouteCache(1000, Duration.ofMinutes(10), System::nanoTime);
        Region whole = new Region(1, KeyRange.ALL, new RegionEpoch(1, 1), List.of(Peer.voter(1, 1)));
        cache.put(RouteEntry.of(whole));
        for (int i = 0; i < 10; i++) {
            assertEquals(1, cache.lookup(Key.of("x")).orElseThrow().region().regionId()); // builds the index
        }
        cache.putAll(List.of(new Region(1, new KeyRange(Key.EMPTY, Key.of("m")), new RegionEpoch(1, 2),
                        whole.peers()),
                new Region(2, new KeyRange(Key.of("m"), Key.EMPTY), new RegionEpoch(1, 2), whole.peers())),
                java.util.Optional.empty());
        for (int i = 0; i < 10; i++) {
            assertEquals(2, cache.lookup(Key.of("x")).orElseThrow().region().regionId());
            assertEquals(1, cache.lookup(Key.of("a")).orElseThrow().region().regionId());
        }
        cache.invalidate(2);
        assertEquals(true, cache.lookup(Key.of("x")).isEmpty());
    }
}
