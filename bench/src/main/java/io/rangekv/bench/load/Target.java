package io.rangekv.bench.load;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One system under test as the load generator sees it: RangeKV through the SDK or the HTTP gateway, etcd, RheaKV.
 * Every operation is asynchronous, so the generator keeps a fixed number of requests in flight from few threads.
 *
 * <p><b>Concurrency:</b> thread-safe; futures may complete on any thread, and the generator never blocks in them.
 * <b>Failure:</b> a failed operation completes its future exceptionally; {@link #errorKind} names the failure for
 * the report ("timeout", "unavailable", "http-503", ...). Reads are linearizable on every target; where a target
 * cannot offer that, {@link #durability()} says so.
 */
public interface Target extends AutoCloseable {
    /** Short name used in reports and on the command line ("rangekv", "rangekv-http", "etcd", "rheakv"). */
    String name();

    /** What a write and a read guarantee on this target, stated for the report (fsync, quorum, read kind). */
    String durability();

    CompletableFuture<Optional<byte[]>> read(byte[] key);

    /** Inserts or overwrites; YCSB's update and insert both end here. */
    CompletableFuture<Void> put(byte[] key, byte[] value);

    /** Up to {@code limit} pairs from {@code startKey} (inclusive) in key order; only their count is reported. */
    CompletableFuture<Integer> scan(byte[] startKey, int limit);

    /** Processes whose CPU the report shows (the servers this target started); empty when it runs in this JVM. */
    List<Long> serverPids();

    /**
     * Errors the target's client absorbed by retrying, by kind (RangeKV's region errors: NOT_LEADER,
     * EPOCH_NOT_MATCH, ...): not failures, but the report shows them. Empty where the client does not count them.
     */
    default Map<String, Long> retries() {
        return Map.of();
    }

    /**
     * The cluster's shape right now in one line (RangeKV: regions, leaders per store, the PD's operators), printed
     * at the start and end of each measured phase so a throughput change can be matched with the layout behind it.
     * Empty where the target's layout is fixed.
     */
    default Optional<String> shape() {
        return Optional.empty();
    }

    /** A short, stable name for a failure, for the "errors by kind" table. */
    default String errorKind(Throwable failure) {
        return rootOf(failure).getClass().getSimpleName();
    }

    /** The failure behind the wrappers futures add (CompletionException, ExecutionException). */
    static Throwable rootOf(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Stops everything this target started (processes by PID, directories it made); never throws on a dead one. */
    @Override
    void close();
}
