package io.rangekv.bench.jmh;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.rangekv.client.KvPair;
import io.rangekv.meta.Key;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.raft.CommandCodec;
import io.rangekv.wire.MetaCodec;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Encode and decode of the messages on a write's and a read's path, between domain types and bytes:
 * <ul>
 *   <li>{@code request*}: the client's {@code kv.Request} (built as {@code AsyncKvClient}, {@code RegionRequestSender}
 *       and {@code RpcProtocol.KV} build it: method, header with region and epoch, request id and timeout), and the
 *       store's parse of it into a {@link Command}, as {@code KvRpcService} does;</li>
 *   <li>{@code response*}: the store's {@code kv.Response} carrying values, and the client's parse back to values;</li>
 *   <li>{@code command*}: {@link CommandCodec}, the Raft log entry the store proposes and every replica decodes.</li>
 * </ul>
 * {@code SINGLE}: one 16-byte key with a 100-byte value (Put request, Get response, Put command). {@code BATCH_100}:
 * 100 such pairs in one message (BatchPut request, a Scan response page, a Batch command). Times are per message.
 * Inputs are prepared in setup; encode starts from domain values, decode from bytes. The frame around the message
 * is {@link FrameCodecBenchmark}'s.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main CodecBenchmark -f 2 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class CodecBenchmark {
    /** What one message carries. */
    public enum Shape { SINGLE, BATCH_100 }

    static final int KEY_BYTES = 16;
    static final int VALUE_BYTES = 100;
    static final int BATCH = 100;

    @Param({"SINGLE", "BATCH_100"})
    public Shape shape;

    private final RegionEpoch epoch = new RegionEpoch(3, 7);
    private final long regionId = 42;
    private Key[] keys;
    private byte[][] values;
    private byte[] requestBytes;
    private byte[] responseBytes;
    private Proposal proposal;
    private byte[] commandBytes;
    private long requestId;

    @Setup(Level.Trial)
    public void setUp() {
        int n = shape == Shape.SINGLE ? 1 : BATCH;
        Random random = new Random(13);
        keys = new Key[n];
        values = new byte[n][];
        for (int i = 0; i < n; i++) {
            keys[i] = key(random.nextLong());
            values[i] = new byte[VALUE_BYTES];
            random.nextBytes(values[i]);
        }
        requestBytes = requestEncode();
        responseBytes = responseEncode();
        proposal = new Proposal(regionId, epoch, command(keys, values));
        commandBytes = commandEncode();
    }

    static Key key(long seed) {
        return Key.wrap(ByteBuffer.allocate(KEY_BYTES).putLong(seed).putLong(~seed).array());
    }

    private static Command command(Key[] keys, byte[][] values) {
        if (keys.length == 1) {
            return new Command.Put(keys[0], values[0]);
        }
        List<Command.Mutation> puts = new ArrayList<>(keys.length);
        for (int i = 0; i < keys.length; i++) {
            puts.add(new Command.Put(keys[i], values[i]));
        }
        return new Command.Batch(puts);
    }

    /** The request a client sends for these pairs, as its SDK stamps it. */
    static KvProto.Request.Builder request(Key[] keys, byte[][] values, long regionId, RegionEpoch epoch) {
        KvProto.Request.Builder request = KvProto.Request.newBuilder();
        if (keys.length == 1) {
            request.setPut(KvProto.PutRequest.newBuilder().setKey(MetaCodec.toProto(keys[0]))
                    .setValue(ByteString.copyFrom(values[0])));
        } else {
            KvProto.BatchPutRequest.Builder batch = KvProto.BatchPutRequest.newBuilder();
            for (int i = 0; i < keys.length; i++) {
                batch.addPairs(KvProto.KvPair.newBuilder().setKey(MetaCodec.toProto(keys[i]))
                        .setValue(ByteString.copyFrom(values[i])));
            }
            request.setBatchPut(batch);
        }
        return request.setHeader(KvProto.RequestHeader.newBuilder()
                .setRegionId(regionId)
                .setEpoch(MetaCodec.toProto(epoch))
                .setConsistency(KvProto.ReadConsistency.LINEARIZABLE));
    }

    @Benchmark
    public byte[] requestEncode() {
        return request(keys, values, regionId, epoch).setRequestId(++requestId).setTimeoutMs(5000).build()
                .toByteArray();
    }

    /** What the store makes of a request before proposing it: region, routed epoch and command. */
    @Benchmark
    public Proposal requestDecode() throws InvalidProtocolBufferException {
        KvProto.Request request = KvProto.Request.parseFrom(requestBytes);
        KvProto.RequestHeader header = request.getHeader();
        Command command;
        if (request.getMethodCase() == KvProto.Request.MethodCase.PUT) {
            command = new Command.Put(Key.wrap(request.getPut().getKey().toByteArray()),
                    request.getPut().getValue().toByteArray());
        } else {
            List<Command.Mutation> puts = new ArrayList<>(request.getBatchPut().getPairsCount());
            for (KvProto.KvPair pair : request.getBatchPut().getPairsList()) {
                puts.add(new Command.Put(Key.wrap(pair.getKey().toByteArray()), pair.getValue().toByteArray()));
            }
            command = new Command.Batch(puts);
        }
        return new Proposal(header.getRegionId(), MetaCodec.fromProto(header.getEpoch()), command);
    }

    @Benchmark
    public byte[] responseEncode() {
        KvProto.Response.Builder response = KvProto.Response.newBuilder().setRequestId(++requestId);
        if (keys.length == 1) {
            response.setGet(KvProto.GetResponse.newBuilder().setFound(true).setValue(ByteString.copyFrom(values[0])));
        } else {
            KvProto.ScanResponse.Builder page = KvProto.ScanResponse.newBuilder();
            for (int i = 0; i < keys.length; i++) {
                page.addPairs(KvProto.KvPair.newBuilder().setKey(MetaCodec.toProto(keys[i]))
                        .setValue(ByteString.copyFrom(values[i])));
            }
            response.setScan(page.setMore(true));
        }
        return response.build().toByteArray();
    }

    @Benchmark
    public Object responseDecode() throws InvalidProtocolBufferException {
        KvProto.Response response = KvProto.Response.parseFrom(responseBytes);
        if (response.getResultCase() == KvProto.Response.ResultCase.GET) {
            return response.getGet().getFound() ? Optional.of(response.getGet().getValue().toByteArray())
                    : Optional.empty();
        }
        List<KvPair> out = new ArrayList<>(response.getScan().getPairsCount());
        for (KvProto.KvPair p : response.getScan().getPairsList()) {
            out.add(new KvPair(Key.wrap(p.getKey().toByteArray()), p.getValue().toByteArray()));
        }
        return out;
    }

    @Benchmark
    public byte[] commandEncode() {
        return CommandCodec.encode(proposal);
    }

    @Benchmark
    public Proposal commandDecode() {
        return CommandCodec.decode(commandBytes);
    }
}
