package io.rangekv.pd.rpc;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.RequestException;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.ErrorCodec;
import io.rangekv.wire.FrameCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The PD's RPC port: Netty and the frame codec, then {@link PdRpcService}. Event loops ({@code pd-io-*}) only decode
 * and hand off; answers are written when the service's future completes, on whatever thread that is.
 */
public final class PdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PdServer.class);
    private static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    private PdServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    public static PdServer start(String host, int port, PdRpcService service) {
        EventLoopGroup boss = new NioEventLoopGroup(1, NamedThreadFactory.forNetty("pd-accept"));
        EventLoopGroup workers = new NioEventLoopGroup(2, NamedThreadFactory.forNetty("pd-io"));
        try {
            Channel channel = new ServerBootstrap().group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            FrameCodec.install(ch.pipeline(), MAX_FRAME_BYTES,
                                    PdProto.PdRequest.getDefaultInstance());
                            ch.pipeline().addLast("pd", new Handler(service));
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).syncUninterruptibly().channel();
            return new PdServer(boss, workers, channel);
        } catch (RuntimeException e) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot bind the PD RPC port " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<PdProto.PdRequest> {
        private final PdRpcService service;

        Handler(PdRpcService service) {
            this.service = service;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, PdProto.PdRequest request) {
            Channel ch = ctx.channel();
            service.handle(request).whenComplete((response, error) -> ch.writeAndFlush(response));
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
