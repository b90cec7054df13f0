package io.rangekv.wire;

import com.google.protobuf.MessageLite;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;

/**
 * The frame format between clients and stores: a 4-byte big-endian length, then one protobuf message
 * ({@code kv.Request} one way, {@code kv.Response} the other). Requests carry their own id, so one connection
 * multiplexes many requests and answers may come back in any order.
 *
 * <p>A frame longer than {@code maxFrameBytes} or one that does not parse is a protocol violation: the decoder
 * raises an exception and the connection's handler closes that connection alone.
 */
public final class FrameCodec {
    public static final int LENGTH_FIELD_BYTES = 4;

    private FrameCodec() {
    }

    /** Adds the frame decoder and encoder for {@code inbound} messages to {@code pipeline}. */
    public static void install(ChannelPipeline pipeline, int maxFrameBytes, MessageLite inboundPrototype) {
        pipeline.addLast("frame-decoder",
                new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES));
        pipeline.addLast("frame-encoder", new LengthFieldPrepender(LENGTH_FIELD_BYTES));
        pipeline.addLast("proto-decoder", new ProtobufDecoder(inboundPrototype));
        pipeline.addLast("proto-encoder", new ProtobufEncoder());
    }
}
