package io.rangekv.store.rpc;

import io.rangekv.proto.gen.KvProto;
import io.rangekv.rpc.ServerPort;
import io.rangekv.wire.FrameCodec;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store's KV port: Netty, the frame codec, then {@link KvRequestHandler} per connection. Event loops
 * ({@code store-io-*}) only decode, validate, hand off and encode.
 */
public final class KvServer implements AutoCloseable {
    private final ServerPort port;

    private KvServer(ServerPort port) {
        this.port = port;
    }

    /** Binds {@code host:port} (0 = any free port) and starts serving. */
    public static KvServer start(String host, int port, int ioThreads, RpcLimits limits,
                                 RequestDispatcher dispatcher) {
        RequestValidator validator = new RequestValidator(limits);
        AtomicInteger inFlight = new AtomicInteger();
        return new KvServer(ServerPort.bind("the KV port", "store", host, port, ioThreads, ch -> {
            FrameCodec.install(ch.pipeline(), limits.maxFrameSize().toIntBytes(), KvProto.Request.getDefaultInstance());
            ch.pipeline().addLast("kv", new KvRequestHandler(validator, dispatcher, limits, inFlight));
        }));
    }

    public int port() {
        return port.port();
    }

    @Override
    public void close() {
        port.close();
    }
}
