package io.rangekv.rpc;

import com.google.protobuf.MessageLite;
import io.rangekv.proto.gen.PdProto;

import java.util.Optional;

/** The RPC from stores and clients to the placement driver. */
public final class PdProtocol implements RpcProtocol<PdProto.PdRequest.Builder, PdProto.PdResponse> {
    public static final PdProtocol INSTANCE = new PdProtocol();

    private PdProtocol() {
    }

    @Override
    public String peerKind() {
        return "PD";
    }

    @Override
    public PdProto.PdResponse responsePrototype() {
        return PdProto.PdResponse.getDefaultInstance();
    }

    @Override
    public MessageLite stamp(PdProto.PdRequest.Builder request, long requestId, int timeoutMs) {
        return request.setRequestId(requestId).setTimeoutMs(timeoutMs).build();
    }

    @Override
    public long requestId(PdProto.PdResponse response) {
        return response.getRequestId();
    }

    @Override
    public Optional<String> frameRejection(PdProto.PdResponse response) {
        return response.getRequestId() == 0 && response.hasError()
                ? Optional.of(response.getError().getMessage()) : Optional.empty();
    }
}
