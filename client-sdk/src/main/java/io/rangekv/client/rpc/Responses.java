package io.rangekv.client.rpc;

import io.rangekv.proto.gen.KvProto;
import io.rangekv.wire.ErrorCodec;

/** Helpers for reading a store's response. */
public final class Responses {
    private Responses() {
    }

    /** Throws the response's error as a {@link io.rangekv.error.KvException}; returns normally when it has none. */
    public static void throwIfError(KvProto.Response response) {
        if (response.hasError()) {
            throw ErrorCodec.fromProto(response.getError());
        }
    }
}
