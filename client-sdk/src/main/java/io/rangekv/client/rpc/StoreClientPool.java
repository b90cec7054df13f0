package io.rangekv.client.rpc;

import io.rangekv.proto.gen.KvProto;
import io.rangekv.rpc.RpcProtocol;
import io.rangekv.rpc.RpcConnectionPool;
import io.rangekv.time.Deadline;

import java.util.concurrent.CompletableFuture;

/**
 * One multiplexed connection per store ({@link io.rangekv.rpc.RpcConnection}), sharing the {@code kvclient-io-*}
 * threads, the {@code kvclient-timer} and the {@code kvclient-callback-*} pool. No global state: make one per
 * client.
 */
public final class StoreClientPool implements StoreTransport, AutoCloseable {
    private final RpcConnectionPool<KvProto.Request.Builder, KvProto.Response> connections;

    public StoreClientPool() {
        this(2, 2);
    }

    public StoreClientPool(int ioThreads, int callbackThreads) {
        this.connections = new RpcConnectionPool<>(RpcProtocol.KV, "kvclient", ioThreads, callbackThreads);
    }

    @Override
    public CompletableFuture<KvProto.Response> call(String address, KvProto.Request.Builder request,
                                                    Deadline deadline) {
        return connections.call(address, request, deadline);
    }

    @Override
    public void close() {
        connections.close();
    }
}
