package io.rangekv.bench.jmh;

import com.google.protobuf.CodedOutputStream;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.CommandProto;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.raft.CommandCodec;
import io.rangekv.store.region.CommandApplier;
import io.rangekv.store.region.RegionState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The region state machine's apply cost against the raw engine: a run of 64 committed put entries (each decoded from
 * its log bytes, epoch- and range-checked, batched, plus the region state record) versus writing the same 64 puts
 * straight into the engine as one batch. Target: apply ≥ 80 % of the raw rate. Throughput is in entries per second.
 *
 * <p>The {@code WithIds} variants carry client write ids (write deduplication, range-safety hazard 8): every entry
 * of one client ({@code OneClient}: one extra record written per batch) or each of the 64 entries from its own
 * client ({@code ManyClients}: 64 extra records per batch, the worst case). Their ids are appended to the
 * precomputed entry bytes on each call (a fresh seq each time, or every entry after the first lap would be a
 * duplicate and skip its write), so they also pay that small encoding.
 *
 * <pre>
 * java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main ApplyBatchBenchmark -f 2 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 2, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ApplyBatchBenchmark {
    private static final int BATCH = 64;
    private static final int DISTINCT = 1 << 16;

    @Param({"MEMORY", "LMDB", "ROCKSDB"})
    public EngineKind engine;

    private Path dir;
    private Engine store;
    private CommandApplier applier;
    private byte[][] entries;
    private byte[][] keys;
    private byte[][] values;
    private long index;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("rangekv-jmh-apply");
        store = BenchEngines.open(engine, dir);
        Region region = new Region(1, KeyRange.ALL, RegionEpoch.INITIAL, List.of(Peer.voter(1, 1)));
        applier = new CommandApplier(store, RegionState.fresh(region, 1));
        Random random = new Random(11);
        entries = new byte[DISTINCT][];
        keys = new byte[DISTINCT][];
        values = new byte[DISTINCT][];
        for (int i = 0; i < DISTINCT; i++) {
            byte[] userKey = ByteBuffer.allocate(16).putLong(Long.reverse(i * 0x9E3779B97F4A7C15L)).putLong(i)
                    .array();
            values[i] = new byte[100];
            random.nextBytes(values[i]);
            keys[i] = Keys.data(Key.wrap(userKey));
            entries[i] = CommandCodec.encode(new Proposal(1, RegionEpoch.INITIAL,
                    new Command.Put(Key.wrap(userKey), values[i])));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        store.close();
        BenchEngines.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void stateMachineApply() {
        for (int i = 0; i < BATCH; i++) {
            applier.apply(CommandCodec.decode(entries[cursor]), ++index);
            cursor = (cursor + 1) & (DISTINCT - 1);
        }
        applier.flush();
    }

    private long seq;

    /** The entry with client {@code clientId}'s next write id appended (a message's fields may come in any order). */
    private byte[] withIds(byte[] entry, long clientId) {
        seq++;
        CommandProto.ClientWrites ids = CommandProto.ClientWrites.newBuilder().setClientId(clientId).addSeqs(seq)
                .setLowestUnanswered(seq).setProposedAtMs(1_700_000_000_000L + seq / 1000).build();
        byte[] out = new byte[entry.length + 2 + ids.getSerializedSize()];
        System.arraycopy(entry, 0, out, 0, entry.length);
        try {
            CodedOutputStream tail = CodedOutputStream.newInstance(out, entry.length, out.length - entry.length);
            tail.writeMessage(3, ids);
            return Arrays.copyOf(out, entry.length + tail.getTotalBytesWritten());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void stateMachineApplyWithIdsOneClient() {
        for (int i = 0; i < BATCH; i++) {
            applier.apply(CommandCodec.decode(withIds(entries[cursor], 1)), ++index);
            cursor = (cursor + 1) & (DISTINCT - 1);
        }
        applier.flush();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void stateMachineApplyWithIdsManyClients() {
        for (int i = 0; i < BATCH; i++) {
            applier.apply(CommandCodec.decode(withIds(entries[cursor], i + 1)), ++index);
            cursor = (cursor + 1) & (DISTINCT - 1);
        }
        applier.flush();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawEngineBatch() {
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < BATCH; i++) {
            batch.put(keys[cursor], values[cursor]);
            cursor = (cursor + 1) & (DISTINCT - 1);
        }
        store.write(batch);
    }
}
