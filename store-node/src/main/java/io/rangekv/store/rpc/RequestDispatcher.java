package io.rangekv.store.rpc;

import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;

import java.util.concurrent.CompletableFuture;

/** The seam between the KV server and the region layer. */
public interface RequestDispatcher {
    CompletableFuture<KvProto.Response> dispatch(KvProto.Request request, Deadline deadline);
}
