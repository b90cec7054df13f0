package io.rangekv.systest.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A concurrent history of register operations, recorded by many client threads: {@link #invoke} when a request
 * goes out, then exactly one of {@link #ok}, {@link #failed} (it definitely did not happen: dropped) or
 * {@link #unknown} (a write that timed out: it may have happened). Reads that fail are simply {@link #failed}.
 *
 * <pre>
 * long id = history.invoke(client, key, Op.Kind.PUT, null, "c3-17");
 * try { kv.put(...); history.ok(id, null, true); }
 * catch (UnknownResultException e) { history.unknown(id); }
 * </pre>
 *
 * Thread-safe.
 */
public final class History {
    private final LongSupplier clock;
    private final AtomicLong nextId = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final List<Op> completed = new ArrayList<>();

    private record Pending(int client, String key, Op.Kind kind, String expected, String value, long invoked) {
    }

    public History() {
        this(System::nanoTime);
    }

    /** With an injected clock, for tests that write histories by hand. */
    public History(LongSupplier clock) {
        this.clock = clock;
    }

    /** For PUT: {@code value}; for CAS: {@code expected} (null: absent) and {@code value}; for GET: nothing. */
    public long invoke(int client, String key, Op.Kind kind, String expected, String value) {
        long id = nextId.incrementAndGet();
        pending.put(id, new Pending(client, key, kind, expected, value, clock.getAsLong()));
        return id;
    }

    /** Completed: for GET {@code observed} is the value read (null = absent); for CAS {@code succeeded}. */
    public void ok(long id, String observed, boolean succeeded) {
        Pending p = take(id);
        long now = Math.max(clock.getAsLong(), p.invoked + 1);
        String value = p.kind == Op.Kind.GET ? observed : p.value;
        add(new Op(id, p.client, p.key, p.kind, p.expected, value, succeeded, p.invoked, now));
    }

    /** Definitely not applied (or a read that failed): left out of the history. */
    public void failed(long id) {
        take(id);
    }

    /** May or may not have been applied, at any time after it was invoked. Reads should use {@link #failed}. */
    public void unknown(long id) {
        Pending p = take(id);
        if (p.kind == Op.Kind.GET) {
            return;
        }
        add(new Op(id, p.client, p.key, p.kind, p.expected, p.value, false, p.invoked, Long.MAX_VALUE));
    }

    private Pending take(long id) {
        Pending p = pending.remove(id);
        if (p == null) {
            throw new IllegalStateException("operation " + id + " was not invoked or is already complete");
        }
        return p;
    }

    private synchronized void add(Op op) {
        completed.add(op);
    }

    /** Every completed or unknown operation so far; operations still in flight count as unknown writes. */
    public synchronized List<Op> operations() {
        List<Op> all = new ArrayList<>(completed);
        pending.forEach((id, p) -> {
            if (p.kind != Op.Kind.GET) {
                all.add(new Op(id, p.client, p.key, p.kind, p.expected, p.value, false, p.invoked, Long.MAX_VALUE));
            }
        });
        return all;
    }
}
