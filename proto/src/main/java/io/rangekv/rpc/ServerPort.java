package io.rangekv.rpc;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.rangekv.concurrent.NamedThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A bound Netty server port: one accept thread ({@code <name>-accept}), {@code ioThreads} event loops
 * ({@code <name>-io-*}), TCP_NODELAY, and a pipeline per connection from {@code pipeline}. The KV, PD and HTTP
 * servers differ only in that pipeline.
 */
public final class ServerPort implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    private ServerPort(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    /** Binds {@code host:port} (0: any free port); {@code what} names the port in errors ("the KV port"). */
    public static ServerPort bind(String what, String name, String host, int port, int ioThreads,
                                  Consumer<SocketChannel> pipeline) {
        EventLoopGroup boss = new NioEventLoopGroup(1, NamedThreadFactory.forNetty(name + "-accept"));
        EventLoopGroup workers = new NioEventLoopGroup(ioThreads, NamedThreadFactory.forNetty(name + "-io"));
        try {
            Channel channel = new ServerBootstrap().group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            pipeline.accept(ch);
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).syncUninterruptibly().channel();
            return new ServerPort(boss, workers, channel);
        } catch (RuntimeException e) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot bind " + what + " " + host + ":" + port + ": " + e.getMessage(),
                    e);
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
