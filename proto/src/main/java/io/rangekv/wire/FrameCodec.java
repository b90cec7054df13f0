package io.rangekv.wire;

import com.google.protobuf.MessageLite;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.util.ReferenceCountUtil;

/**
 * The frame format between clients and stores: a 4-byte big-endian length, then one protobuf message
 * ({@code kv.Request} one way, {@code kv.Response} the other). Requests carry their own id, so one connection
 * multiplexes many requests and answers may come back in any order.
 *
 * <p>A frame longer than {@code maxFrameBytes} or one that does not parse is a protocol violation: the decoder
 * raises an exception and the connection's handler closes that connection alone; nothing that follows it on that
 * connection is decoded (the closing is asynchronous, and frames already read must not run in the meantime).
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
        pipeline.addLast("frame-guard", new StopAfterError());
    }

    /**
     * Drops every inbound message, and any further decoder error, once a decoder error has passed on this
     * connection, so its handler answers one error and closes. Without it, the frames that
     * follow a malformed one in the same read were still decoded and handed on (the frame decoder keeps slicing its
     * buffer after the protobuf decoder fails, and after a too-long frame it resumes past the discarded bytes): a
     * store answered MALFORMED_FRAME and closed, yet could still execute a PUT that came after the bad frame. Last
     * of the codec's inbound handlers, so it sees the errors of both decoders before the connection's handler does.
     */
    static final class StopAfterError extends ChannelInboundHandlerAdapter {
        private boolean failed;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (failed) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof DecoderException) {
                if (failed) {
                    // The same broken stream failing again further on: the first error was answered already.
                    return;
                }
                failed = true;
            }
            ctx.fireExceptionCaught(cause);
        }
    }
}
