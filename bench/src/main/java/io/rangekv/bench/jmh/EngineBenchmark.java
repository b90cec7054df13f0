package io.rangekv.bench.jmh;

import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.engine.rocks.RocksEngine;
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
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Engine point get, single-key put, and a 100-key scan, on each engine. Workload as MACHINE-NOTES: 16-byte keys,
 * 100-byte random values, 100k keys preloaded; one thread.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main EngineBenchmark -f 2 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 2, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class EngineBenchmark {
    private static final int KEYS = 100_000;

    @Param({"MEMORY", "LMDB", "ROCKSDB"})
    public EngineKind engine;

    private Path dir;
    private Engine store;
    private byte[][] keys;
    private byte[][] values;
    private final Random random = new Random(7);
    private long nextPut;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("rangekv-jmh-engine");
        store = BenchEngines.open(engine, dir);
        keys = new byte[KEYS][];
        values = new byte[KEYS][];
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < KEYS; i++) {
            keys[i] = key(i);
            values[i] = new byte[100];
            random.nextBytes(values[i]);
            batch.put(keys[i], values[i]);
            if (batch.size() == 1000) {
                store.write(batch);
                batch = new WriteBatch();
            }
        }
        store.write(batch);
        if (store instanceof RocksEngine rocks) {
            rocks.flush(); // measure reads against SST files, not a memtable
        }
        nextPut = KEYS;
    }

    /** 16 bytes: a fixed prefix byte and a scrambled counter, so keys are spread over the space. */
    private static byte[] key(long i) {
        return ByteBuffer.allocate(16).put((byte) 0x02).putLong(Long.reverse(i * 0x9E3779B97F4A7C15L))
                .putInt((int) i).put(new byte[3]).array();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        store.close();
        BenchEngines.delete(dir);
    }

    @Benchmark
    public byte[] get() {
        return store.get(keys[random.nextInt(KEYS)]);
    }

    @Benchmark
    public void put() {
        store.write(new WriteBatch().put(key(nextPut++), values[(int) (nextPut % KEYS)]));
    }

    @Benchmark
    public void put100Batch() {
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < 100; i++) {
            batch.put(key(nextPut++), values[(int) (nextPut % KEYS)]);
        }
        store.write(batch);
    }

    @Benchmark
    public void scan100(Blackhole bh) {
        try (EngineIterator it = store.iterator(keys[random.nextInt(KEYS)], null, false)) {
            for (int i = 0; i < 100 && it.isValid(); i++, it.next()) {
                bh.consume(it.value());
            }
        }
    }
}
