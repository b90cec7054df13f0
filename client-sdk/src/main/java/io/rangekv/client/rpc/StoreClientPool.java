package io.rangekv.client.rpc;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.HashedWheelTimer;
import io.rangekv.concurrent.NamedThreadFactory;

import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One {@link StoreClient} per store address, sharing one set of I/O threads ({@code kvclient-io-*}), one timer
 * ({@code kvclient-timer}) and one callback pool ({@code kvclient-callback-*}). No global state: make one per
 * client.
 */
public final class StoreClientPool implements StoreTransport, AutoCloseable {
    /** Largest response frame accepted (a full scan page of large values). */
    private static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;

    private final EventLoopGroup group;
    private final HashedWheelTimer timer;
    private final ExecutorService callbacks;
    private final Map<String, StoreClient> clients = new ConcurrentHashMap<>();

    public StoreClientPool() {
        this(2, 2);
    }

    public StoreClientPool(int ioThreads, int callbackThreads) {
        this.group = new NioEventLoopGroup(ioThreads, NamedThreadFactory.forNetty("kvclient-io"));
        this.timer = new HashedWheelTimer(new NamedThreadFactory("kvclient-timer", true), 10, TimeUnit.MILLISECONDS);
        this.callbacks = Executors.newFixedThreadPool(callbackThreads,
                new NamedThreadFactory("kvclient-callback", true));
    }

    /** The client for {@code hostPort}, created on first use. */
    public StoreClient get(String hostPort) {
        return clients.computeIfAbsent(hostPort, a -> new StoreClient(a, group, timer, callbacks, MAX_FRAME_BYTES));
    }

    @Override
    public CompletableFuture<KvProto.Response> call(String address, KvProto.Request.Builder request,
                                                    Deadline deadline) {
        return get(address).call(request, deadline);
    }

    @Override
    public void close() {
        clients.values().forEach(StoreClient::close);
        clients.clear();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        timer.stop();
        callbacks.shutdown();
    }
}
