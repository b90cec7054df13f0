package io.rangekv.store.raft;

import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.Endpoint;

/**
 * The one Raft RPC port of a store, shared by every region group on it (each request names its group). Registered
 * with the library once at start; groups are then created and stopped directly, never through the library's
 * group service, whose shutdown would unregister the shared address (JRAFT-NOTES).
 */
public final class RaftEndpoint implements AutoCloseable {
    private final Endpoint endpoint;
    private final RpcServer server;

    private RaftEndpoint(Endpoint endpoint, RpcServer server) {
        this.endpoint = endpoint;
        this.server = server;
    }

    /** Binds {@code host:port} and registers it. Throws when the port is taken. */
    public static RaftEndpoint start(String host, int port) {
        Endpoint endpoint = new Endpoint(host, port);
        RpcServer server = RaftRpcServerFactory.createRaftRpcServer(endpoint);
        if (!server.init(null)) {
            throw new IllegalStateException("cannot bind the Raft port " + endpoint);
        }
        NodeManager.getInstance().addAddress(endpoint);
        return new RaftEndpoint(endpoint, server);
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
