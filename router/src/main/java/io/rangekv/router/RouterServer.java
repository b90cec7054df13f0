package io.rangekv.router;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.rangekv.client.KvClient;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.router.http.HttpError;
import io.rangekv.router.http.HttpReply;
import io.rangekv.router.http.RouterHandler;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The router's HTTP port: Netty's HTTP codec, a body limit that answers 413 with a JSON error, then
 * {@link RouterHandler}. Stateless: any number of routers can front one cluster. Threads: {@code router-accept},
 * {@code router-io-*} (parse, hand off, write), {@code router-admin-*} (the PD pass-through's HTTP client), plus
 * the {@link KvClient}'s own.
 */
public final class RouterServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService admin;
    private final Channel channel;

    private RouterServer(EventLoopGroup boss, EventLoopGroup workers, ExecutorService admin, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.admin = admin;
        this.channel = channel;
    }

    /** Binds {@code config.host():config.port()} and serves requests with {@code kv} (owned by the caller). */
    public static RouterServer start(RouterConfig config, KvClient kv) {
        EventLoopGroup boss = new NioEventLoopGroup(1, NamedThreadFactory.forNetty("router-accept"));
        EventLoopGroup workers = new NioEventLoopGroup(config.ioThreads(), NamedThreadFactory.forNetty("router-io"));
        ExecutorService admin = Executors.newFixedThreadPool(2, new NamedThreadFactory("router-admin", true));
        RouterHandler handler = new RouterHandler(kv.async(), config, admin);
        int maxBody = (int) config.maxBody().bytes();
        // A path holds a whole key, percent-encoded (up to three characters a byte), plus the query.
        int maxLine = (int) Math.min(Integer.MAX_VALUE, config.maxKeySize().bytes() * 3 + 4096);
        try {
            Channel channel = new ServerBootstrap().group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("http", new HttpServerCodec(maxLine, 16 * 1024, 64 * 1024));
                            ch.pipeline().addLast("body", new BodyLimit(maxBody));
                            ch.pipeline().addLast("router", handler);
                        }
                    })
                    .bind(new InetSocketAddress(config.host(), config.port())).syncUninterruptibly().channel();
            return new RouterServer(boss, workers, admin, channel);
        } catch (RuntimeException e) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            admin.shutdownNow();
            throw new IllegalStateException("cannot bind the router port " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
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
        admin.shutdownNow();
    }

    /** Netty's aggregator, answering an oversized body with our JSON error instead of an empty 413. */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int maxBody;

        BodyLimit(int maxBody) {
            super(maxBody);
            this.maxBody = maxBody;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            HttpReply reply = HttpReply.error(new HttpError(413, "BODY_TOO_LARGE",
                    "the request body is over router.max-body (" + maxBody + " bytes)"));
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(reply.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
            // The rest of the body is still on its way: close rather than read it.
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
