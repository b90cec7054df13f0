package io.rangekv.client.route;

import io.rangekv.proto.gen.KvProto;

import java.security.SecureRandom;
import java.util.TreeMap;

/**
 * Names this client's writes so that a store applies each at most once, however often the SDK retries it after an
 * unknown outcome (range-safety hazard 8: a put retried after another client's write would otherwise take effect
 * twice, and readers could see v1, v2, v1).
 *
 * <p>Each client has a random 64-bit id; each mutation of a put, delete, batch put or batch delete gets a sequence
 * number, reserved when the operation starts and kept by every retry, whichever requests and regions carry it
 * (a coalesced put can be regrouped into another batch, a batch slice split across new regions). Each request also
 * carries the lowest sequence number still awaiting its final answer: the stores forget everything below it and
 * refuse late copies of it. An operation is {@link #release released} once its caller has the answer, after which
 * no new attempt of it is sent.
 *
 * <p><b>Concurrency</b>: thread-safe; reservation and the lowest-unanswered computation share one lock, so a
 * request never claims an answer for a seq reserved but not yet registered.
 */
public final class WriteSequencer {
    private final long clientId;
    private long next = 1;
    /** First seq of each operation awaiting its answer, with the number of seqs it reserved. */
    private final TreeMap<Long, Integer> outstanding = new TreeMap<>();

    public WriteSequencer() {
        this(randomClientId());
    }

    public WriteSequencer(long clientId) {
        if (clientId == 0) {
            throw new IllegalArgumentException("client id 0 is reserved");
        }
        this.clientId = clientId;
    }

    private static long randomClientId() {
        SecureRandom random = new SecureRandom();
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        return id;
    }

    public long clientId() {
        return clientId;
    }

    /** Reserves {@code count} consecutive seqs for one operation; returns the first. */
    public synchronized long reserve(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("reserve at least one seq");
        }
        long first = next;
        next += count;
        outstanding.put(first, count);
        return first;
    }

    /** The operation that reserved from {@code first} has its answer; none of its seqs is sent again. */
    public synchronized void release(long first) {
        outstanding.remove(first);
    }

    /** Every seq below this one has had its final answer. */
    public synchronized long lowestUnanswered() {
        return outstanding.isEmpty() ? next : outstanding.firstKey();
    }

    /** Seqs reserved and not released (tests). */
    public synchronized int outstanding() {
        return outstanding.size();
    }

    /** The ids a request carries for mutations with the given seqs, in request order. */
    public KvProto.WriteIds ids(Iterable<Long> seqs) {
        KvProto.WriteIds.Builder b = KvProto.WriteIds.newBuilder().setClientId(clientId);
        seqs.forEach(b::addSeqs);
        return b.setLowestUnanswered(lowestUnanswered()).build();
    }

    /** The ids of a single-mutation request. */
    public KvProto.WriteIds ids(long seq) {
        return KvProto.WriteIds.newBuilder().setClientId(clientId).addSeqs(seq)
                .setLowestUnanswered(lowestUnanswered()).build();
    }
}
