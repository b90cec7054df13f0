package io.rangekv.store.cluster;

import io.rangekv.client.CasResult;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.KvPair;
import io.rangekv.client.ScanOptions;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.store.engine.EngineKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client SDK against a real three-store cluster split into three regions: batches fan out across regions,
 * scans walk them in order (forward and reverse, paged small), and a split under load costs the caller nothing.
 * Routes come from {@link StoreDiscoveryPdClient} until the placement driver exists.
 */
class KvClientIT {
    @TempDir
    Path dir;
    private TestCluster cluster;
    private StoreDiscoveryPdClient pd;
    private KvClient kv;

    @BeforeEach
    void start() throws Exception {
        cluster = TestCluster.builder().dataDir(dir).engine(EngineKind.MEMORY).start();
        io.rangekv.meta.Region right = cluster.split(1, key(300));
        cluster.split(right.regionId(), key(600));
        pd = new StoreDiscoveryPdClient(cluster::liveStores);
        kv = new KvClient(new KvClientConfig(java.time.Duration.ofSeconds(30), 1000,
                java.time.Duration.ofMinutes(10), 7, 1, 2, KvClientConfig.DEFAULTS.putCoalescing()), pd);
    }

    @AfterEach
    void stop() {
        try {
            kv.close();
            pd.close();
            cluster.assertReplicasConverged();
        } finally {
            cluster.close();
        }
    }

    private static Key key(int i) {
        return Key.of(String.format("k%04d", i));
    }

    private static byte[] value(int i) {
        return ("v" + i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void batchesScansAndDeleteRangeAcrossRegions() {
        Map<Key, byte[]> pairs = new LinkedHashMap<>();
        for (int i = 0; i < 900; i += 3) {
            pairs.put(key(i), value(i));
        }
        kv.batchPut(pairs);
        Map<Key, byte[]> got = kv.batchGet(List.of(key(897), key(1), key(300), key(0), key(600)));
        assertEquals(List.of(key(897), key(300), key(0), key(600)), List.copyOf(got.keySet()));
        assertArrayEquals(value(300), got.get(key(300)));

        List<KvPair> all = kv.scan(ScanOptions.range(Key.EMPTY, Key.EMPTY));
        assertEquals(300, all.size(), "every pair, across three regions, seven per page");
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).key().compareTo(all.get(i).key()) < 0, "in key order");
        }
        List<KvPair> back = kv.scan(ScanOptions.range(key(290), key(610)).reversed().withLimit(20));
        assertEquals(20, back.size());
        assertEquals(key(609), back.get(0).key());
        assertEquals(key(552), back.get(19).key());
        List<KvPair> across = kv.scan(ScanOptions.range(key(297), key(304)));
        assertEquals(List.of(key(297), key(300), key(303)), across.stream().map(KvPair::key).toList());
        assertEquals(33, kv.scan(ScanOptions.prefix(Key.of("k01")).withKeysOnly()).size(), "k0102 .. k0198");

        kv.deleteRange(new KeyRange(key(150), key(750)));
        assertEquals(100, kv.scan(ScanOptions.range(Key.EMPTY, Key.EMPTY)).size());
        kv.batchDelete(List.of(key(0), key(897)));
        assertFalse(kv.get(key(0)).isPresent());
    }

    @Test
    void compareAndPutIsAResultNotAnError() {
        assertTrue(kv.putIfAbsent(key(5), value(1)).succeeded());
        CasResult lost = kv.putIfAbsent(key(5), value(2));
        assertFalse(lost.succeeded());
        assertArrayEquals(value(1), lost.previous().orElseThrow());
        assertTrue(kv.compareAndPut(key(5), value(1), value(3)).succeeded());
        assertArrayEquals(value(3), kv.get(key(5)).orElseThrow());
    }

    @Test
    void aSplitUnderLoadIsInvisibleToTheCaller() throws Exception {
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        ExecutorService writers = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int offset = w;
            running.add(writers.submit(() -> {
                for (int i = offset; i < 900; i += 3) {
                    kv.put(key(i), value(i));
                    acknowledged.add(i);
                }
            }));
        }
        Await.until("writes before the split", TestCluster.WAIT, () -> acknowledged.size() > 100);
        cluster.split(1, key(150));
        for (Future<?> f : running) {
            f.get(120, TimeUnit.SECONDS);
        }
        writers.shutdown();
        assertEquals(900, acknowledged.size());
        assertEquals(900, kv.scan(ScanOptions.range(Key.EMPTY, Key.EMPTY)).size());
    }

    @Test
    void concurrentPutsTravelTogetherAndASplitUnderThemLosesNone() throws Exception {
        // 64 puts in flight at every moment, all into the first region; it splits while they run. Every put must be
        // acknowledged and read back with its value, and coalescing must have sent fewer requests than puts.
        int total = 6000;
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(64);
        java.util.concurrent.atomic.AtomicInteger acknowledged = new java.util.concurrent.atomic.AtomicInteger();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Future<?> split = null;
        ExecutorService admin = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < total; i++) {
                if (i == total / 6) {
                    split = admin.submit(() -> cluster.split(1, Key.of("c03000")));
                }
                assertTrue(inFlight.tryAcquire(60, TimeUnit.SECONDS), "a put slot within a minute");
                kv.async().put(Key.of(String.format("c%05d", i)), value(i)).whenComplete((v, e) -> {
                    if (e != null) {
                        failures.add(e);
                    } else {
                        acknowledged.incrementAndGet();
                    }
                    inFlight.release();
                });
            }
            split.get(120, TimeUnit.SECONDS);
            assertTrue(inFlight.tryAcquire(64, 120, TimeUnit.SECONDS), "every put answered");
        } finally {
            admin.shutdown();
        }
        assertEquals(List.of(), failures);
        assertEquals(total, acknowledged.get());
        List<KvPair> stored = kv.scan(ScanOptions.prefix(Key.of("c")));
        assertEquals(total, stored.size());
        for (KvPair pair : stored) {
            int i = Integer.parseInt(new String(pair.key().toBytes(), StandardCharsets.UTF_8).substring(1));
            assertArrayEquals(value(i), pair.value(), "the value put at " + pair.key());
        }
        io.rangekv.client.route.PutCoalescer.Counts counts = kv.putCounts();
        assertEquals(total, counts.puts());
        assertTrue(counts.batches() > 0 && counts.requests() < total, "puts went together: " + counts);
        System.out.printf("coalescing over a split: %s, retries absorbed %s%n", counts,
                kv.retries().snapshot());
    }
}
