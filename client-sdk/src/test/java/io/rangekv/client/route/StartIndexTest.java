package io.rangekv.client.route;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

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
            StartIndex index = StartIndex.of(new java.util.concurrent.ConcurrentSkipListMap<>(starts));
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
                new Region(2, new KeyRange(Key.of("m"), Key.EMPTY), new RegionEpoch(1, 2), whole.peers())));
        for (int i = 0; i < 10; i++) {
            assertEquals(2, cache.lookup(Key.of("x")).orElseThrow().region().regionId());
            assertEquals(1, cache.lookup(Key.of("a")).orElseThrow().region().regionId());
        }
        cache.invalidate(2);
        assertEquals(true, cache.lookup(Key.of("x")).isEmpty());
    }
}
