package io.rangekv.store.raft;

import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;

/**
 * The one Raft RPC port of a store, shared by every region group on it (each request names its group). Registered
 * with the library once at start; groups are then created and stopped directly, never through the library's
 * group service, whose shutdown would unregister the shared address (JRAFT-NOTES).
 */
public final class RaftEndpoint implements AutoCloseable {
    private final Endpoint endpoint;
    private final RpcServer server;
    /** One budget for every region's incoming RaftSnapshots on this store; null = no limit. */
    private final com.alipay.sofa.jraft.storage.SnapshotThrottle snapshotThrottle;

    /** Whether a group on this store may install a RaftSnapshot now (the store's say; always, until it is set). */
    private final java.util.concurrent.atomic.AtomicReference<MemberSnapshotGate.Admission> admission;

    private RaftEndpoint(Endpoint endpoint, RpcServer server, com.alipay.sofa.jraft.storage.SnapshotThrottle throttle,
                         java.util.concurrent.atomic.AtomicReference<MemberSnapshotGate.Admission> admission) {
        this.endpoint = endpoint;
        this.server = server;
        this.snapshotThrottle = throttle;
        this.admission = admission;
    }

    /** Lets the store hold back RaftSnapshot installs into some of its groups ({@link MemberSnapshotGate}). */
    public void admitInstalls(MemberSnapshotGate.Admission rule) {
        admission.set(rule);
    }

    /** Binds {@code host:port} and registers it, with no limit on RaftSnapshot transfers. */
    public static RaftEndpoint start(String host, int port) {
        return start(host, port, io.rangekv.config.DataSize.ofBytes(0));
    }

    /**
     * Binds {@code host:port} and registers it; RaftSnapshots this store receives share {@code snapshotRate} bytes
     * per second (0 = no limit). Throws when the port is taken.
     */
    public static RaftEndpoint start(String host, int port, io.rangekv.config.DataSize snapshotRate) {
        Endpoint endpoint = new Endpoint(host, port);
        // The library's handlers, with its RaftSnapshot install behind our membership gate (MemberSnapshotGate).
        java.util.concurrent.atomic.AtomicReference<MemberSnapshotGate.Admission> admission =
                new java.util.concurrent.atomic.AtomicReference<>(MemberSnapshotGate.Admission.ALWAYS);
        RpcServer server = MemberSnapshotGate.guard(RpcFactoryHelper.rpcFactory().createRpcServer(endpoint),
                admission::get);
        RaftRpcServerFactory.addRaftRequestProcessors(server);
        if (!server.init(null)) {
            throw new IllegalStateException("cannot bind the Raft port " + endpoint);
        }
        NodeManager.getInstance().addAddress(endpoint);
        return new RaftEndpoint(endpoint, server, snapshotRate.bytes() <= 0 ? null
                : new com.alipay.sofa.jraft.storage.snapshot.ThroughputSnapshotThrottle(snapshotRate.bytes(), 1),
                admission);
    }

    com.alipay.sofa.jraft.storage.SnapshotThrottle snapshotThrottle() {
        return snapshotThrottle;
    }

    public String address() {
        return endpoint.toString();
    }

    Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        server.shutdown();
        NodeManager.getInstance().removeAddress(endpoint);
    }
}
