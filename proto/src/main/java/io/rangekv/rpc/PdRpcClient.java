package io.rangekv.rpc;

import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.proto.gen.ErrorProto;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.ErrorCodec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Calls the placement driver, wherever its leader is: starts at the last leader seen, follows NOT_LEADER hints,
 * moves to the next member when one is unreachable, and backs off while the PD has no leader — all within the
 * caller's deadline.
 *
 * <p>Every PD method may be retried safely after an unknown outcome: queries and heartbeats are idempotent, and an
 * id allocation that happened twice only skips ids.
 *
 * <p>Thread-safe. Completes with a response that carries no error, or exceptionally with a {@link KvException}.
 */
public final class PdRpcClient implements AutoCloseable {
    private static final Duration BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

    private final List<String> endpoints;
    private final RpcConnectionPool<PdProto.PdRequest.Builder, PdProto.PdResponse> connections;
    private volatile String leader;

    /** {@code endpoints}: {@code host:port} of the PD members' RPC service, at least one. */
    public PdRpcClient(List<String> endpoints, String threadName) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one PD endpoint is needed");
        }
        this.endpoints = List.copyOf(endpoints);
        this.leader = this.endpoints.get(0);
        this.connections = new RpcConnectionPool<>(RpcProtocol.PD, threadName, 1, 1);
    }

    public List<String> endpoints() {
        return endpoints;
    }

    /** The member believed to lead right now (a guess until the first answer). */
    public String leader() {
        return leader;
    }

    public CompletableFuture<PdProto.PdResponse> call(PdProto.PdRequest.Builder request, Deadline deadline) {
        CompletableFuture<PdProto.PdResponse> result = new CompletableFuture<>();
        attempt(request, deadline, leader, 0, result);
        return result;
    }

    private void attempt(PdProto.PdRequest.Builder request, Deadline deadline, String target, int failures,
                         CompletableFuture<PdProto.PdResponse> result) {
        if (deadline.isExpired()) {
            result.completeExceptionally(new RequestException(ErrorKind.DEADLINE_EXCEEDED,
                    "no PD leader answered before the deadline (members " + endpoints + ", last tried " + target
                            + ")"));
            return;
        }
        connections.call(target, request, deadline).whenComplete((response, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof RetryableException || cause instanceof UnknownResultException) {
                    retryLater(request, deadline, next(target), failures + 1, result);
                } else {
                    result.completeExceptionally(cause);
                }
                return;
            }
            if (!response.hasError()) {
                leader = target;
                result.complete(response);
                return;
            }
            ErrorProto.Error e = response.getError();
            switch (e.getCode()) {
                case NOT_LEADER -> {
                    String hint = e.getNotLeader().getLeaderAddress();
                    if (!hint.isEmpty() && !hint.equals(target)) {
                        leader = hint;
                        attempt(request, deadline, hint, failures, result);
                    } else {
                        // An election is under way: nobody knows the leader yet.
                        retryLater(request, deadline, next(target), failures + 1, result);
                    }
                }
                case SERVER_BUSY, STORE_UNAVAILABLE, UNKNOWN_RESULT ->
                        retryLater(request, deadline, target, failures + 1, result);
                default -> result.completeExceptionally(ErrorCodec.fromProto(e));
            }
        });
    }

    private void retryLater(PdProto.PdRequest.Builder request, Deadline deadline, String target, int failures,
                            CompletableFuture<PdProto.PdResponse> result) {
        long delay = Math.min(MAX_BACKOFF.toMillis(), BACKOFF.toMillis() * (1L << Math.min(failures - 1, 4)));
        delay = Math.min(delay, Math.max(1, deadline.remainingMillis()));
        connections.schedule(() -> attempt(request, deadline, target, failures, result), delay);
    }

    private String next(String target) {
        int i = endpoints.indexOf(target);
        return endpoints.get((i + 1) % endpoints.size());
    }

    @Override
    public void close() {
        connections.close();
    }
}
