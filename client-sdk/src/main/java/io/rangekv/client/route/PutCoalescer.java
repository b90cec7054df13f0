package io.rangekv.client.route;

import io.rangekv.concurrent.Futures;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.RequestException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.meta.Key;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends single puts, coalescing the ones that arrive while their region is busy into one BATCH_PUT request, which
 * the store proposes as one Raft log entry. Under many puts in flight each put used to cost its own request, its own
 * store-side hand-offs and its own log entry, on two CPU-bound cores; batching them cuts all three at once (RheaKV's
 * client batches by default). Design and alternatives: docs/design/0002-put-coalescing.md.
 *
 * <pre>
 *   put ─► RouteCache.lookup ─┬─ miss ─────► PUT now via RegionRequestSender (it asks the PD)
 *                             └─ region R ─► R has &lt; sendAtOnce put requests in flight?
 *                                              yes ─► PUT now (as before)     no ─► queue in R's lane (FIFO)
 *   a request of R finishes ─► R's queued puts (up to maxPuts and maxBytes) go as one BATCH_PUT in its slot,
 *                              then that request's callers are answered
 * </pre>
 *
 * Batching is driven by completions, never by a timer: an idle client's put is sent on the caller's thread at once,
 * exactly as it was without coalescing, and a batch forms only from puts that would otherwise have queued on the
 * wire behind the requests in flight. A lone put that waited is still sent as a plain PUT.
 *
 * <p><b>Concurrency</b>: thread-safe. Sending happens on the caller's thread (idle path) or on the callback thread
 * that completed the previous request of the region; {@link PutLanes} makes admission and hand-over atomic per
 * region. Callers' futures complete on the callback threads, as every other operation's do.
 *
 * <p><b>Ordering</b>: a batch carries its puts in the order they were queued, as a protobuf list (the same key may
 * appear twice), and the store applies {@code Command.Batch} in that order, so the later put of a key wins within a
 * batch. Puts that are in flight at the same time have no order between them, with or without coalescing: a caller
 * that needs one put to follow another waits for the first one's future.
 *
 * <p><b>Failure</b>: a caller's future completes when the request carrying its put was acknowledged, i.e. the put
 * is durable. A batch is sent with the earliest deadline among its puts, so that no put is held past its own (the
 * puts with later deadlines get another round if the batch runs out of time). When a batch fails:
 * <ul>
 *   <li>the region split, merged or moved (a region error; the sender has already taught the cache): every put is
 *       routed again from the cache and regrouped by its new region, and the error is counted as absorbed;</li>
 *   <li>the batch ran out of time (deadline passed, or unknown outcome): the puts whose deadline was the batch's take
 *       its error; the others go round again within their own deadlines (puts are idempotent);</li>
 *   <li>the store refused the batch as a request (a key or value over its limits): each put is resent alone, so only
 *       the offending put fails, as it would have without coalescing;</li>
 *   <li>anything else (a replica that stopped, a bug) fails every put of the batch with that error.</li>
 * </ul>
 * A put whose deadline passed while it waited fails with DEADLINE_EXCEEDED without being sent; a put that an earlier
 * request may have applied never fails as "not written", only with that {@link UnknownResultException}.
 *
 * <p><b>Retries apply once</b>: each put reserves a sequence number from the client's {@link WriteSequencer} when it
 * is made, and every request carrying it (alone or in any batch) names it, so a put sent again after an unknown
 * outcome is skipped by the store if an earlier request applied it. The number is released when the caller's future
 * completes.
 */
public final class PutCoalescer {
    private final RegionRequestSender sender;
    private final RouteCache routes;
    private final PutCoalescing limits;
    private final PutLanes lanes;
    private final WriteSequencer seqs;
    private final LongAdder puts = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder batches = new LongAdder();

    public PutCoalescer(RegionRequestSender sender, RouteCache routes, PutCoalescing limits) {
        this(sender, routes, limits, new WriteSequencer());
    }

    public PutCoalescer(RegionRequestSender sender, RouteCache routes, PutCoalescing limits, WriteSequencer seqs) {
        this.seqs = seqs;
        this.sender = sender;
        this.routes = routes;
        this.limits = limits;
        this.lanes = new PutLanes(limits);
    }

    /**
     * Puts {@code value} at {@code key} by {@code deadline}. Completes when the store acknowledged the request that
     * carried it (possibly with other callers' puts); fails as described in the class comment.
     */
    public CompletableFuture<Void> put(Key key, byte[] value, Deadline deadline) {
        puts.increment();
        long seq = seqs.reserve(1);
        PendingPut put = new PendingPut(key, value, deadline, seq);
        put.done.whenComplete((ok, error) -> seqs.release(seq));
        if (limits.enabled()) {
            route(put);
        } else {
            sendAlone(put);
        }
        return put.done;
    }

    /**
     * How many puts callers made, how many requests were sent for them (first attempts: the sender's own retries
     * are in {@link RegionRequestSender#retries()}), and how many of those requests were BATCH_PUTs.
     */
    public record Counts(long puts, long requests, long batches) {
    }

    public Counts counts() {
        return new Counts(puts.sum(), requests.sum(), batches.sum());
    }

    /** Into the lane of the cached region holding the put's key, or, on a miss, straight to the sender. */
    private void route(PendingPut put) {
        Optional<RouteEntry> cached = routes.lookup(put.key);
        if (cached.isEmpty()) {
            // The sender asks the placement driver within the put's deadline; waiting here for that answer would
            // need a deadline of its own, and a cold route is no moment to batch.
            sendAlone(put);
            return;
        }
        long regionId = cached.get().region().regionId();
        if (lanes.admit(regionId, put)) {
            dispatch(regionId, List.of(put));
        }
    }

    /**
     * Sends {@code batch} in one of the region's slots; puts whose deadline passed while they waited fail here. When
     * none is left, the slot goes to whatever waits next, or is freed.
     */
    private void dispatch(long regionId, List<PendingPut> batch) {
        while (batch != null) {
            List<PendingPut> live = new ArrayList<>(batch.size());
            Deadline earliest = null;
            Duration least = null;
            for (PendingPut put : batch) {
                Duration left = put.deadline.remaining();
                if (left.isZero()) {
                    put.fail(new RequestException(ErrorKind.DEADLINE_EXCEEDED,
                            "deadline passed while the put waited to be sent: " + put.key));
                } else {
                    live.add(put);
                    if (least == null || left.compareTo(least) < 0) {
                        least = left;
                        earliest = put.deadline;
                    }
                }
            }
            if (!live.isEmpty()) {
                send(regionId, live, earliest);
                return;
            }
            batch = lanes.next(regionId);
        }
    }

    private void send(long regionId, List<PendingPut> batch, Deadline deadline) {
        requests.increment();
        CompletableFuture<KvProto.Response> reply;
        if (batch.size() == 1) {
            PendingPut put = batch.get(0);
            reply = sender.send(put.key, put.toPutRequest().setWriteIds(seqs.ids(put.seq)), true,
                    ReadConsistency.LINEARIZABLE, deadline);
        } else {
            batches.increment();
            KvProto.BatchPutRequest.Builder pairs = KvProto.BatchPutRequest.newBuilder();
            batch.forEach(put -> pairs.addPairs(put.toPair()));
            reply = sender.sendToRegion(regionId, batch.get(0).key, KvProto.Request.newBuilder().setBatchPut(pairs)
                    .setWriteIds(seqs.ids(batch.stream().map(put -> put.seq).toList())), true,
                    ReadConsistency.LINEARIZABLE, deadline);
        }
        reply.whenComplete((response, error) -> {
            // Keep the region busy first: the queued puts go out before this request's callers run their code.
            dispatch(regionId, lanes.next(regionId));
            settle(batch, deadline, error);
        });
    }

    /** A single PUT outside the lanes: coalescing off, a route not cached, or a put its batch refused. */
    private void sendAlone(PendingPut put) {
        requests.increment();
        sender.send(put.key, put.toPutRequest().setWriteIds(seqs.ids(put.seq)), true, ReadConsistency.LINEARIZABLE,
                        put.deadline)
                .whenComplete((response, error) -> settle(List.of(put), put.deadline, error));
    }

    /** Answers the callers of a finished request that carried {@code batch}, sent with {@code deadline}. */
    private void settle(List<PendingPut> batch, Deadline deadline, Throwable error) {
        if (error == null) {
            batch.forEach(put -> put.done.complete(null));
            return;
        }
        Throwable cause = Futures.unwrap(error);
        if (cause instanceof RegionException region) {
            sender.retries().absorbed(region.kind());
            for (PendingPut put : batch) {
                if (put.deadline.isExpired()) {
                    put.fail(cause);
                } else {
                    route(put);
                }
            }
            return;
        }
        if (batch.size() > 1 && cause instanceof RequestException refused
                && refused.kind() != ErrorKind.DEADLINE_EXCEEDED) {
            batch.forEach(this::sendAlone);
            return;
        }
        if (cause instanceof UnknownResultException unknown) {
            batch.forEach(put -> put.mayHaveLanded(unknown));
        }
        boolean outOfTime = cause instanceof KvException kv && (kv.kind() == ErrorKind.DEADLINE_EXCEEDED
                || kv.kind().errorClass() == ErrorKind.ErrorClass.UNKNOWN_RESULT
                || kv.kind().errorClass() == ErrorKind.ErrorClass.RETRYABLE);
        for (PendingPut put : batch) {
            if (outOfTime && put.deadline != deadline && !put.deadline.isExpired()) {
                // The batch was timed by another put's deadline (compared by identity: the batch's deadline is
                // the object of the put it came from); this one still has time of its own.
                route(put);
            } else {
                put.fail(cause);
            }
        }
    }
}
