package io.rangekv.rpc;

import com.google.protobuf.MessageLite;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.HashedWheelTimer;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.time.Deadline;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One {@link RpcConnection} per server address, sharing one set of I/O threads ({@code <name>-io-*}), one timer
 * ({@code <name>-timer}) and one callback pool ({@code <name>-callback-*}). No global state: make one per user.
 */
public final class RpcConnectionPool<B, R extends MessageLite> implements AutoCloseable {
    /** Largest response frame accepted (a full scan page of large values). */
    private static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;

    private final RpcProtocol<B, R> protocol;
    private final EventLoopGroup group;
    private final HashedWheelTimer timer;
    private final ExecutorService callbacks;
    private final Map<String, RpcConnection<B, R>> connections = new ConcurrentHashMap<>();

    public RpcConnectionPool(RpcProtocol<B, R> protocol, String threadName, int ioThreads, int callbackThreads) {
        this.protocol = protocol;
        this.group = new NioEventLoopGroup(ioThreads, NamedThreadFactory.forNetty(threadName + "-io"));
        this.timer = new HashedWheelTimer(new NamedThreadFactory(threadName + "-timer", true), 10,
                TimeUnit.MILLISECONDS);
        this.callbacks = Executors.newFixedThreadPool(callbackThreads,
                new NamedThreadFactory(threadName + "-callback", true));
    }

    /** The connection to {@code hostPort}, created on first use. */
    public RpcConnection<B, R> get(String hostPort) {
        return connections.computeIfAbsent(hostPort,
                a -> new RpcConnection<>(a, protocol, group, timer, callbacks, MAX_FRAME_BYTES));
    }

    public CompletableFuture<R> call(String address, B request, Deadline deadline) {
        return get(address).call(request, deadline);
    }

    /** Runs {@code task} on the callback pool after {@code delayMillis} (retry backoff). */
    public void schedule(Runnable task, long delayMillis) {
        timer.newTimeout(t -> callbacks.execute(task), Math.max(1, delayMillis), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        connections.values().forEach(RpcConnection::close);
        connections.clear();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        timer.stop();
        callbacks.shutdown();
    }
}
