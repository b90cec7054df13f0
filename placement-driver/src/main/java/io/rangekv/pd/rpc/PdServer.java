package io.rangekv.pd.rpc;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.RequestException;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.rpc.ServerPort;
import io.rangekv.wire.ErrorCodec;
import io.rangekv.wire.FrameCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The PD's RPC port: Netty and the frame codec, then {@link PdRpcService}. Event loops ({@code pd-io-*}) only decode
 * and hand off; answers are written when the service's future completes, on whatever thread that is.
 */
public final class PdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PdServer.class);
    private static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private final ServerPort port;

    private PdServer(ServerPort port) {
        this.port = port;
    }

    public static PdServer start(String host, int port, PdRpcService service) {
        return new PdServer(ServerPort.bind("the PD RPC port", "pd", host, port, 2, ch -> {
            FrameCodec.install(ch.pipeline(), MAX_FRAME_BYTES, PdProto.PdRequest.getDefaultInstance());
            ch.pipeline().addLast("pd", new Handler(service));
        }));
    }

    public int port() {
        return port.port();
    }

    @Override
    public void close() {
        port.close();
    }

    private static final class Handler extends SimpleChannelInboundHandler<PdProto.PdRequest> {
        private final PdRpcService service;

        Handler(PdRpcService service) {
            this.service = service;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, PdProto.PdRequest request) {
            Channel ch = ctx.channel();
            // The service turns its own failures into error replies; anything that still escapes gets one here,
            // so a caller is never left waiting for a reply that will not come.
            service.handle(request).whenComplete((response, error) -> ch.writeAndFlush(error == null ? response
                    : PdProto.PdResponse.newBuilder().setRequestId(request.getRequestId())
                            .setError(ErrorCodec.toProto(new RequestException(ErrorKind.UNKNOWN,
                                    "PD failed: " + error))).build()));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof DecoderException) {
                // Tell the client why, with request id 0, then drop only this connection.
                ctx.writeAndFlush(PdProto.PdResponse.newBuilder().setError(ErrorCodec.toProto(
                        new RequestException(ErrorKind.MALFORMED_FRAME, "unreadable PD frame: "
                                + cause.getMessage()))).build()).addListener(f -> ctx.close());
            } else {
                LOG.warn("PD connection from {} failed", ctx.channel().remoteAddress(), cause);
                ctx.close();
            }
        }
    }
}
