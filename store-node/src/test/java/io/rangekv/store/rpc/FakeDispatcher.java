package io.rangekv.store.rpc;

import com.google.protobuf.ByteString;
import io.rangekv.error.RegionException;
import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A dispatcher over a map, for transport tests: puts and gets work; a key "not-leader" raises NotLeader; a key
 * "never" never completes; a key starting with "slow" completes only when {@link #release()} is called.
 */
final class FakeDispatcher implements RequestDispatcher {
    final Map<ByteString, ByteString> data = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    final java.util.concurrent.atomic.AtomicInteger parked = new java.util.concurrent.atomic.AtomicInteger();

    void release() {
        gate.complete(null);
    }

    @Override
    public CompletableFuture<KvProto.Response> dispatch(KvProto.Request request, Deadline deadline) {
        KvProto.Response.Builder out = KvProto.Response.newBuilder().setRequestId(request.getRequestId());
        switch (request.getMethodCase()) {
            case PUT -> {
                ByteString key = request.getPut().getKey();
                if (key.toStringUtf8().equals("not-leader")) {
                    return CompletableFuture.failedFuture(
                            new RegionException.NotLeader(7, Peer.voter(3, 2), "127.0.0.1:9"));
                }
                if (key.toStringUtf8().equals("never")) {
                    return new CompletableFuture<>();
                }
                data.put(key, request.getPut().getValue());
                out.setPut(KvProto.PutResponse.getDefaultInstance());
                if (key.toStringUtf8().startsWith("slow")) {
                    parked.incrementAndGet();
                    return gate.thenApply(v -> out.build());
                }
            }
            case GET -> {
                ByteString value = data.get(request.getGet().getKey());
                out.setGet(value == null ? KvProto.GetResponse.newBuilder().setFound(false)
                        : KvProto.GetResponse.newBuilder().setFound(true).setValue(value));
            }
            default -> throw new IllegalStateException("fake does not do " + request.getMethodCase());
        }
        return CompletableFuture.completedFuture(out.build());
    }

    static KvProto.Request.Builder put(String key, String value) {
        return KvProto.Request.newBuilder().setPut(KvProto.PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)));
    }

    static KvProto.Request.Builder get(String key) {
        return KvProto.Request.newBuilder().setGet(KvProto.GetRequest.newBuilder()
                .setKey(io.rangekv.wire.MetaCodec.toProto(Key.of(key))));
    }
}
