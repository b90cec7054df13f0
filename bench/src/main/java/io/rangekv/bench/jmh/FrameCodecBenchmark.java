package io.rangekv.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.rangekv.meta.Key;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.wire.FrameCodec;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The Netty frame codec between client and store ({@link FrameCodec#install}: 4-byte length prefix plus protobuf),
 * on an {@link EmbeddedChannel}, for a {@code kv.Request} (a Put of one 100-byte value, or a BatchPut of 100):
 * <ul>
 *   <li>{@code frameEncode}: the client writes a built request; the pipeline serializes it and prepends the length
 *       (two buffers leave, as on a socket), which are then released;</li>
 *   <li>{@code frameDecode}: one frame arrives in one direct buffer (as a socket read delivers it); the pipeline
 *       splits it off and parses the request;</li>
 *   <li>{@code baseline*}: the same buffer handling through an empty pipeline, i.e. what the embedded channel itself
 *       costs; subtract it to read the codec's share.</li>
 * </ul>
 * Netty's leak detector stays at its default (sampled) level, as in production.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main FrameCodecBenchmark -f 2 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class FrameCodecBenchmark {
    private static final int MAX_FRAME_BYTES = 16 << 20;

    @Param({"SINGLE", "BATCH_100"})
    public CodecBenchmark.Shape shape;

    private EmbeddedChannel client;
    private EmbeddedChannel store;
    private EmbeddedChannel empty;
    private KvProto.Request request;
    private ByteBuf frame;

    @Setup(Level.Trial)
    public void setUp() {
        int n = shape == CodecBenchmark.Shape.SINGLE ? 1 : CodecBenchmark.BATCH;
        Random random = new Random(17);
        Key[] keys = new Key[n];
        byte[][] values = new byte[n][];
        for (int i = 0; i < n; i++) {
            keys[i] = CodecBenchmark.key(random.nextLong());
            values[i] = new byte[CodecBenchmark.VALUE_BYTES];
            random.nextBytes(values[i]);
        }
        request = CodecBenchmark.request(keys, values, 42, new RegionEpoch(3, 7)).setRequestId(1).setTimeoutMs(5000)
                .build();
        client = new EmbeddedChannel();
        FrameCodec.install(client.pipeline(), MAX_FRAME_BYTES, KvProto.Response.getDefaultInstance());
        store = new EmbeddedChannel();
        FrameCodec.install(store.pipeline(), MAX_FRAME_BYTES, KvProto.Request.getDefaultInstance());
        empty = new EmbeddedChannel();
        byte[] body = request.toByteArray();
        frame = ByteBufAllocator.DEFAULT.directBuffer(FrameCodec.LENGTH_FIELD_BYTES + body.length)
                .writeInt(body.length).writeBytes(body);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.finishAndReleaseAll();
        store.finishAndReleaseAll();
        empty.finishAndReleaseAll();
        frame.release();
    }

    @Benchmark
    public int frameEncode() {
        client.writeOutbound(request);
        return drainOutbound(client);
    }

    @Benchmark
    public KvProto.Request frameDecode() {
        store.writeInbound(frame.retainedDuplicate());
        return store.readInbound();
    }

    @Benchmark
    public int baselineOutbound() {
        empty.writeOutbound(frame.retainedDuplicate());
        return drainOutbound(empty);
    }

    @Benchmark
    public int baselineInbound() {
        empty.writeInbound(frame.retainedDuplicate());
        ByteBuf in = empty.readInbound();
        int bytes = in.readableBytes();
        in.release();
        return bytes;
    }

    private static int drainOutbound(EmbeddedChannel channel) {
        int bytes = 0;
        for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
            bytes += out.readableBytes();
            out.release();
        }
        return bytes;
    }
}
