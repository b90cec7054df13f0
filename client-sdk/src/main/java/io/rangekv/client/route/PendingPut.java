package io.rangekv.client.route;

import com.google.protobuf.ByteString;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.meta.Key;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;

import java.util.concurrent.CompletableFuture;

/**
 * One caller's put on its way through {@link PutCoalescer}: what to write, by when, and the future the caller holds.
 * It may travel in several requests (a batch that met a split is regrouped; a batch that ran out of time is retried
 * for the puts with time left), so it also remembers whether one of them may have landed.
 */
final class PendingPut {
    final Key key;
    final ByteString value;
    final Deadline deadline;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    /** This put's sequence number: every request that carries it names it, so the store applies it at most once. */
    final long seq;
    /** Set when a request carrying this put ended without knowing whether it was applied. */
    private volatile UnknownResultException maybeApplied;

    PendingPut(Key key, byte[] value, Deadline deadline, long seq) {
        this.key = key;
        this.seq = seq;
        this.value = ByteString.copyFrom(value); // the caller may reuse its array once put() returns
        this.deadline = deadline;
    }

    /** Key and value bytes, for the batch's byte bound. */
    int bytes() {
        return key.length() + value.size();
    }

    KvProto.KvPair toPair() {
        return KvProto.KvPair.newBuilder().setKey(MetaCodec.toProto(key)).setValue(value).build();
    }

    KvProto.Request.Builder toPutRequest() {
        return KvProto.Request.newBuilder().setPut(KvProto.PutRequest.newBuilder()
                .setKey(MetaCodec.toProto(key)).setValue(value));
    }

    void mayHaveLanded(UnknownResultException unknown) {
        maybeApplied = unknown;
    }

    /**
     * Fails the caller's future with {@code error}, or with the unknown outcome of an earlier request that carried
     * this put: once a write may have landed, a later timeout or region error must not read as "not written". An
     * error about the put itself (a key too large) stands: no request carrying it could have been applied.
     */
    void fail(Throwable error) {
        UnknownResultException unknown = maybeApplied;
        boolean aboutThePut = error instanceof KvException kv
                && kv.kind().errorClass() == ErrorKind.ErrorClass.REQUEST && kv.kind() != ErrorKind.DEADLINE_EXCEEDED;
        done.completeExceptionally(unknown != null && !aboutThePut ? unknown : error);
    }

    @Override
    public String toString() {
        return "put " + key + " (" + value.size() + " bytes, " + deadline + ")";
    }
}
