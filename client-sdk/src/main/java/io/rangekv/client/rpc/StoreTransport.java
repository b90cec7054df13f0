package io.rangekv.client.rpc;

import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;

import java.util.concurrent.CompletableFuture;

/** Sends one request to the store at an address; {@link StoreClientPool} is the real one. */
@FunctionalInterface
public interface StoreTransport {
    CompletableFuture<KvProto.Response> call(String address, KvProto.Request.Builder request, Deadline deadline);
}
