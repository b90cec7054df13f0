package io.rangekv.store.rpc;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.wire.FrameCodec;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store's KV port: Netty, the frame codec, then {@link KvRequestHandler} per connection. Event loops
 * ({@code store-io-*}) only decode, validate, hand off and encode.
 */
public final class KvServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    private KvServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    /** Binds {@code host:port} (0 = any free port) and starts serving. */
    public static KvServer start(String host, int port, int ioThreads, RpcLimits limits,
                                 RequestDispatcher dispatcher) {
        EventLoopGroup boss = new NioEventLoopGroup(1, NamedThreadFactory.forNetty("store-accept"));
        EventLoopGroup workers = new NioEventLoopGroup(ioThreads, NamedThreadFactory.forNetty("store-io"));
        RequestValidator validator = new RequestValidator(limits);
        AtomicInteger inFlight = new AtomicInteger();
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            FrameCodec.install(ch.pipeline(), limits.maxFrameSize().toIntBytes(),
                                    KvProto.Request.getDefaultInstance());
                            ch.pipeline().addLast("kv", new KvRequestHandler(validator, dispatcher, limits,
                                    inFlight));
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).syncUninterruptibly().channel();
            return new KvServer(boss, workers, channel);
        } catch (RuntimeException e) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot bind the KV port " + host + ":" + port + ": " + e.getMessage(), e);
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
}
