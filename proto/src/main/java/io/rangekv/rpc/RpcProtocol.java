package io.rangekv.rpc;

import com.google.protobuf.MessageLite;

import java.util.Optional;

/**
 * What {@link RpcConnection} needs to know about one request/response pair of messages: how to stamp a request with
 * its id and remaining budget, how to find the id in a response, and how a server says it rejected a frame it
 * could not read.
 *
 * @param <B> the request builder type
 * @param <R> the response type
 */
public interface RpcProtocol<B, R extends MessageLite> {
    /** The server's kind in messages ("store", "PD"). */
    String peerKind();

    R responsePrototype();

    MessageLite stamp(B request, long requestId, int timeoutMs);

    long requestId(R response);

    /** The server's message when {@code response} rejects an unreadable frame (request id 0); empty otherwise. */
    Optional<String> frameRejection(R response);
}
