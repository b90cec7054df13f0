package io.rangekv.rpc;

import com.google.protobuf.MessageLite;
import io.rangekv.proto.gen.KvProto;

import java.util.Optional;

/** The KV RPC between clients and stores. */
public final class KvProtocol implements RpcProtocol<KvProto.Request.Builder, KvProto.Response> {
    public static final KvProtocol INSTANCE = new KvProtocol();

    private KvProtocol() {
    }

    @Override
    public String peerKind() {
        return "store";
    }

    @Override
    public KvProto.Response responsePrototype() {
        return KvProto.Response.getDefaultInstance();
    }

    @Override
    public MessageLite stamp(KvProto.Request.Builder request, long requestId, int timeoutMs) {
        return request.setRequestId(requestId).setTimeoutMs(timeoutMs).build();
    }

    @Override
    public long requestId(KvProto.Response response) {
        return response.getRequestId();
    }

    @Override
    public Optional<String> frameRejection(KvProto.Response response) {
        return response.getRequestId() == 0 && response.hasError()
                ? Optional.of(response.getError().getMessage()) : Optional.empty();
    }
}
