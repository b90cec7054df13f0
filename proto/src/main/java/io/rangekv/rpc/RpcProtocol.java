package io.rangekv.rpc;

import com.google.protobuf.MessageLite;
import io.rangekv.proto.gen.ErrorProto;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.proto.gen.PdProto;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * What {@link RpcConnection} needs to know about one request/response pair of messages: how to stamp a request with
 * its id and remaining budget, how to find the id and the error in a response. A server that cannot read a frame
 * answers with request id 0 and an error, then closes the connection.
 *
 * @param <B> the request builder type
 * @param <R> the response type
 */
public final class RpcProtocol<B, R extends MessageLite> {
    /** Clients to stores ({@code kv.proto}). */
    public static final RpcProtocol<KvProto.Request.Builder, KvProto.Response> KV = new RpcProtocol<>("store",
            KvProto.Response.getDefaultInstance(),
            (b, id, timeout) -> b.setRequestId(id).setTimeoutMs(timeout).build(),
            KvProto.Response::getRequestId, r -> r.hasError() ? r.getError() : null);

    /** Stores and clients to the placement driver ({@code pd.proto}). */
    public static final RpcProtocol<PdProto.PdRequest.Builder, PdProto.PdResponse> PD = new RpcProtocol<>("PD",
            PdProto.PdResponse.getDefaultInstance(),
            (b, id, timeout) -> b.setRequestId(id).setTimeoutMs(timeout).build(),
            PdProto.PdResponse::getRequestId, r -> r.hasError() ? r.getError() : null);

    /** Sets a request's id and remaining budget and builds it. */
    @FunctionalInterface
    public interface Stamp<B> {
        MessageLite apply(B request, long requestId, int timeoutMs);
    }

    private final String peerKind;
    private final R responsePrototype;
    private final Stamp<B> stamp;
    private final ToLongFunction<R> requestId;
    private final Function<R, ErrorProto.Error> error;

    private RpcProtocol(String peerKind, R responsePrototype, Stamp<B> stamp, ToLongFunction<R> requestId,
                        Function<R, ErrorProto.Error> error) {
        this.peerKind = peerKind;
        this.responsePrototype = responsePrototype;
        this.stamp = stamp;
        this.requestId = requestId;
        this.error = error;
    }

    /** The server's kind in messages ("store", "PD"). */
    public String peerKind() {
        return peerKind;
    }

    R responsePrototype() {
        return responsePrototype;
    }

    MessageLite stamp(B request, long id, int timeoutMs) {
        return stamp.apply(request, id, timeoutMs);
    }

    long requestId(R response) {
        return requestId.applyAsLong(response);
    }

    /** The server's message when {@code response} rejects an unreadable frame (request id 0); empty otherwise. */
    Optional<String> frameRejection(R response) {
        ErrorProto.Error e = error.apply(response);
        return requestId(response) == 0 && e != null ? Optional.of(e.getMessage()) : Optional.empty();
    }
}
