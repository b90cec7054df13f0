package io.rangekv.bench.jmh;

import com.github.benmanes.caffeine.cache.Ticker;
import io.rangekv.client.route.CoarseTicker;
import io.rangekv.client.route.RouteCache;
import io.rangekv.client.route.RouteEntry;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * RouteCache lookup of a random key among N cached regions (split points evenly over 8-byte keys). Target (issue:
 * benchmarks): at most 100 ns per lookup at 100k regions. {@code lookup} goes through the cache's
 * {@code StartIndex} (built after the first N lookups) and never touches Caffeine. Two yardsticks: {@code getById}
 * (the id-keyed Caffeine read, for a random region id: what a lookup cost on top of the search until 2026-12-03,
 * and still the cost of {@code RouteCache.get}) and {@code probeBaseline} (fetching the probe key's bytes, which
 * every lookup pays before the cache is touched).
 *
 * <p>The cache is built as {@code KvClient} builds it: its ticker is a {@link CoarseTicker} refreshed every
 * {@link CoarseTicker#CLIENT_PERIOD} by a scheduled executor (here one of the benchmark's own, {@code bench-timer-0},
 * standing in for {@code kvclient-timer}), so a lookup reads a volatile time, not {@code System.nanoTime()}.
 *
 * <pre>
 * java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main RouteCacheBenchmark -f 2 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class RouteCacheBenchmark {
    @Param({"1000", "100000"})
    public int regions;

    private ScheduledExecutorService timer;
    private CoarseTicker ticker;
    private RouteCache cache;
    private Key[] probes;
    private long[] regionIds;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        timer = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("bench-timer", true));
        ticker = CoarseTicker.refreshedBy(timer, CoarseTicker.CLIENT_PERIOD, Ticker.systemTicker());
        cache = new RouteCache(regions * 2L, Duration.ofHours(1), ticker);
        long step = Long.MAX_VALUE / regions;
        for (int i = 0; i < regions; i++) {
            Key start = i == 0 ? Key.EMPTY : key(i * step);
            Key end = i == regions - 1 ? Key.EMPTY : key((i + 1) * step);
            cache.put(RouteEntry.of(new Region(i + 1, new KeyRange(start, end), RegionEpoch.INITIAL,
                    List.of(Peer.voter(i * 3L + 1, 1)))));
        }
        Random random = new Random(5);
        probes = new Key[1 << 16];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = key(random.nextLong() & Long.MAX_VALUE);
        }
        regionIds = new long[probes.length];
        for (int i = 0; i < regionIds.length; i++) {
            regionIds[i] = 1 + random.nextInt(regions);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ticker.close();
        timer.shutdownNow();
    }

    private static Key key(long value) {
        return Key.wrap(ByteBuffer.allocate(8).putLong(value).array());
    }

    @Benchmark
    public Optional<RouteEntry> lookup() {
        next = (next + 1) & (probes.length - 1);
        return cache.lookup(probes[next]);
    }

    @Benchmark
    public Optional<RouteEntry> getById() {
        next = (next + 1) & (regionIds.length - 1);
        return cache.get(regionIds[next]);
    }

    @Benchmark
    public byte probeBaseline() {
        next = (next + 1) & (probes.length - 1);
        return probes[next].unsafeBytes()[7];
    }
}
