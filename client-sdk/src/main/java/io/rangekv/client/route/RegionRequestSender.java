package io.rangekv.client.route;

import io.rangekv.client.pd.PdClient;
import io.rangekv.client.rpc.StoreTransport;
import io.rangekv.concurrent.Futures;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.ErrorCodec;
import io.rangekv.wire.MetaCodec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one route → send → classify → retry loop every KV operation goes through.
 *
 * <pre>
 *   RouteCache.locate(key) ─► pick the leader hint (or the next voter) ─► PdClient.store ─► StoreTransport.call
 *        ▲                                                                                       │
 *        └── region error: fix the cache from the payload, retry now; busy: back off; ◄──────────┘
 *            unknown result: retry only if idempotent; request error: give up; deadline: stop
 * </pre>
 *
 * <p><b>Concurrency</b>: thread-safe; attempts chain on futures, continuations run on the callback executor and
 * back-off waits on the timer, never on a caller's thread. <b>Failure</b>: the result is the response, or the
 * error the caller must act on; when the deadline passes after a write may have been applied, the error is
 * {@link UnknownResultException}, never a plain timeout.
 */
public final class RegionRequestSender {
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(10);
    private static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    private final RouteCache routes;
    private final PdClient pd;
    private final StoreTransport transport;
    private final Executor callbacks;
    private final ScheduledExecutorService timer;
    private final RetryCounters retries = new RetryCounters();

    public RegionRequestSender(RouteCache routes, PdClient pd, StoreTransport transport, Executor callbacks,
                               ScheduledExecutorService timer) {
        this.routes = routes;
        this.pd = pd;
        this.transport = transport;
        this.callbacks = callbacks;
        this.timer = timer;
    }

    /** Errors absorbed by retrying, by kind. */
    public RetryCounters retries() {
        return retries;
    }

    /**
     * Sends {@code request} to the region holding {@code key}, retrying within {@code deadline}.
     *
     * @param idempotent whether a request whose outcome is unknown may be sent again (a put may; a
     *                   compare-and-put may not)
     */
    public CompletableFuture<KvProto.Response> send(Key key, KvProto.Request.Builder request, boolean idempotent,
                                                    ReadConsistency consistency, Deadline deadline) {
        return attempt(new Attempt(key, request, idempotent, consistency, deadline, false, 0), 0);
    }

    /**
     * Sends a request built for one region (a batch slice, a scan page) to {@code regionId}, which holds
     * {@code key}. Leadership changes and busy stores are retried here; if the region changed shape (split, merge,
     * moved away) the cache is updated and the {@link RegionException} is returned, so the caller can regroup its
     * keys by the new regions.
     */
    public CompletableFuture<KvProto.Response> sendToRegion(long regionId, Key key, KvProto.Request.Builder request,
                                                            boolean idempotent, ReadConsistency consistency,
                                                            Deadline deadline) {
        return attempt(new Attempt(key, request, idempotent, consistency, deadline, true, regionId), 0);
    }

    private record Attempt(Key key, KvProto.Request.Builder request, boolean idempotent, ReadConsistency consistency,
                           Deadline deadline, boolean regionBound, long regionId) {
    }

    private CompletableFuture<KvProto.Response> attempt(Attempt a, int n) {
        if (a.deadline.isExpired()) {
            return CompletableFuture.failedFuture(new RequestException(ErrorKind.DEADLINE_EXCEEDED,
                    "deadline passed after " + n + " attempts on " + a.key));
        }
        return within(routes.locate(a.key, pd::regionByKey, callbacks), a.deadline)
                .thenComposeAsync(entry -> {
                    if (a.regionBound && entry.region().regionId() != a.regionId) {
                        throw new RegionException.EpochNotMatch(a.regionId, List.of(entry.region()),
                                "region " + a.regionId + " no longer holds " + a.key);
                    }
                    return sendTo(entry, a, n);
                }, callbacks)
                .handleAsync((response, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(response);
                    }
                    return onFailure(a, n, Futures.unwrap(error));
                }, callbacks)
                .thenCompose(f -> f);
    }

    private CompletableFuture<KvProto.Response> sendTo(RouteEntry entry, Attempt a, int n) {
        Region region = entry.region();
        Peer target = entry.leader().orElseGet(() -> {
            List<Peer> voters = region.voters();
            return voters.get(n % voters.size());
        });
        KvProto.Request.Builder request = a.request.clone().setHeader(KvProto.RequestHeader.newBuilder()
                .setRegionId(region.regionId())
                .setEpoch(MetaCodec.toProto(region.epoch()))
                .setConsistency(KvProto.ReadConsistency.valueOf(a.consistency.name())));
        return within(pd.store(target.storeId()), a.deadline).thenCompose((Store store) -> transport.call(
                store.kvAddress(), request,
                a.deadline)).thenApply(response -> {
                    if (response.hasError()) {
                        throw ErrorCodec.fromProto(response.getError());
                    }
                    return response;
                });
    }

    private CompletableFuture<KvProto.Response> onFailure(Attempt a, int n, Throwable error) {
        if (!(error instanceof KvException kv)) {
            return CompletableFuture.failedFuture(error);
        }
        switch (kv.kind().errorClass()) {
            case REGION -> {
                learnFrom((RegionException) kv);
                if (a.regionBound && !(kv instanceof RegionException.NotLeader)) {
                    return CompletableFuture.failedFuture(kv);
                }
                retries.absorbed(kv.kind());
                if (kv instanceof RegionException.NotLeader nl && (nl.leader().isEmpty() || n > 0)) {
                    // An election is under way (a new split child, a crashed leader), or the replica we were sent
                    // to also says no (a membership change in flight, two replicas with different views, a hint we
                    // could not use): asking again at once only spins, so wait a little as for a busy store. Only
                    // the first hint is followed at once.
                    return later(backoff(n), a.deadline, kv).thenCompose(v -> attempt(a, n + 1));
                }
                return attempt(a, n + 1);
            }
            case RETRYABLE -> {
                Duration wait = kv instanceof RetryableException r && !r.backoff().isZero() ? r.backoff()
                        : backoff(n);
                if (kv.kind() == ErrorKind.STORE_UNAVAILABLE) {
                    forgetLeader(a.key);
                }
                retries.absorbed(kv.kind());
                return later(wait, a.deadline, kv).thenCompose(v -> attempt(a, n + 1));
            }
            case UNKNOWN_RESULT -> {
                if (!a.idempotent) {
                    return CompletableFuture.failedFuture(kv);
                }
                forgetLeader(a.key);
                retries.absorbed(kv.kind());
                return later(backoff(n), a.deadline, kv).thenCompose(v -> attempt(a, n + 1))
                        .exceptionallyCompose(e -> CompletableFuture.failedFuture(
                                Futures.unwrap(e) instanceof RequestException re && re.kind() == ErrorKind.DEADLINE_EXCEEDED
                                        ? kv : Futures.unwrap(e)));
            }
            default -> {
                return CompletableFuture.failedFuture(kv);
            }
        }
    }

    /** Fixes the cache from what the store told us: the leader, the current regions, or that ours is wrong. */
    private void learnFrom(RegionException error) {
        if (error instanceof RegionException.NotLeader nl) {
            if (nl.leader().isPresent()) {
                routes.updateLeader(nl.regionId(), nl.leader().get());
            } else {
                routes.get(nl.regionId()).ifPresent(e -> routes.put(RouteEntry.of(e.region())));
            }
        } else if (error instanceof RegionException.EpochNotMatch em) {
            // The regions in the answer are all hosted by the store that gave it, which we sent to as the old
            // region's leader: after a split, the child's replica there campaigns at once, so it is the best guess
            // at the child's leader (a wrong guess costs one NOT_LEADER with a hint; no guess sent the first try to
            // an arbitrary replica, often one that had not applied the split yet: REGION_NOT_FOUND).
            Optional<Long> answeredBy = routes.get(em.regionId()).flatMap(RouteEntry::leader).map(Peer::storeId);
            routes.invalidate(em.regionId());
            routes.putAll(em.currentRegions(), answeredBy);
        } else {
            routes.invalidate(error.regionId());
        }
    }

    private void forgetLeader(Key key) {
        routes.lookup(key).ifPresent(e -> routes.put(RouteEntry.of(e.region())));
    }

    private static Duration backoff(int attempt) {
        long millis = FIRST_BACKOFF.toMillis() << Math.min(attempt, 6);
        return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
    }

    /**
     * {@code future}, or DEADLINE_EXCEEDED when the deadline passes first: a placement-driver lookup (which has its
     * own, longer budget) must never hold a request past its deadline.
     */
    private <T> CompletableFuture<T> within(CompletableFuture<T> future, Deadline deadline) {
        if (future.isDone()) {
            return future;
        }
        CompletableFuture<T> bounded = new CompletableFuture<>();
        java.util.concurrent.ScheduledFuture<?> expiry = timer.schedule(() -> bounded.completeExceptionally(
                        new RequestException(ErrorKind.DEADLINE_EXCEEDED, "deadline passed waiting for the route")),
                Math.max(1, deadline.remainingMillis()), TimeUnit.MILLISECONDS);
        future.whenComplete((value, error) -> {
            expiry.cancel(false);
            if (error != null) {
                bounded.completeExceptionally(error);
            } else {
                bounded.complete(value);
            }
        });
        return bounded;
    }

    /**
     * Completes after {@code wait}, or at once with DEADLINE_EXCEEDED when the deadline would pass first; that error
     * names the one being retried ({@code retrying}), since it is why the request ran out of time.
     */
    private CompletableFuture<Void> later(Duration wait, Deadline deadline, KvException retrying) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (deadline.remaining().compareTo(wait) <= 0) {
            done.completeExceptionally(new RequestException(ErrorKind.DEADLINE_EXCEEDED,
                    "deadline passes before the next retry of " + retrying.kind() + ": " + retrying.getMessage()));
            return done;
        }
        timer.schedule(() -> callbacks.execute(() -> done.complete(null)), wait.toMillis(), TimeUnit.MILLISECONDS);
        return done;
    }

}
