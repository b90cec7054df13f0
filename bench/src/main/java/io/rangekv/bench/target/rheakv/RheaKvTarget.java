package io.rangekv.bench.target.rheakv;

import com.alipay.remoting.rpc.exception.InvokeTimeoutException;
import com.alipay.sofa.jraft.rhea.client.RheaIterator;
import com.alipay.sofa.jraft.rhea.errors.ApiException;
import com.alipay.sofa.jraft.rhea.errors.Errors;
import com.alipay.sofa.jraft.rhea.storage.KVEntry;
import io.rangekv.bench.load.Target;
import io.rangekv.concurrent.NamedThreadFactory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * RheaKV through its own client ({@code RheaKVStore}): reads {@code get(key, readOnlySafe=true)} (ReadIndex on the
 * region leader), writes {@code put}, both asynchronous and batched by the client; limited scans through its
 * iterator (see {@link #scan}). Owns the embedded cluster and stops it on {@link #close()}.
 *
 * <p><b>Concurrency:</b> thread-safe. Read and write futures complete on RheaKV's RPC callback and batching
 * threads; scans run on this target's {@code bench-rheakv-scan} threads, because RheaKV's limited scan blocks.
 * <b>Failure:</b> RheaKV's client retries NOT_LEADER and epoch errors itself (twice, its default) and does not
 * count them, so {@link #retries()} is empty; what it gives up on fails the future with one of its
 * {@code ApiException}s, named by RheaKV's {@code Errors} code in {@link #errorKind}.
 */
public final class RheaKvTarget implements Target {
    /**
     * One thread per scan in flight: the bundled workloads keep at most 64 requests outstanding, so scans never
     * queue behind each other there; with more in flight they queue (the wait counts in their latency) up to
     * {@link #SCAN_QUEUE}, and beyond that fail as "scan-pool-full".
     */
    private static final int SCAN_THREADS = 64;
    private static final int SCAN_QUEUE = 4096;

    private final RheaKvCluster cluster;
    private final ThreadPoolExecutor scans = new ThreadPoolExecutor(SCAN_THREADS, SCAN_THREADS, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(SCAN_QUEUE), new NamedThreadFactory("bench-rheakv-scan", true));

    RheaKvTarget(RheaKvCluster cluster) {
        this.cluster = cluster;
        scans.allowCoreThreadTimeOut(true);
    }

    @Override
    public String name() {
        return "rheakv";
    }

    @Override
    public String durability() {
        return cluster.describe();
    }

    @Override
    public CompletableFuture<Optional<byte[]>> read(byte[] key) {
        return cluster.client().get(key, true).thenApply(Optional::ofNullable);
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        return cluster.client().put(key, value).thenAccept(applied -> {
            if (!Boolean.TRUE.equals(applied)) {
                throw new PutNotAppliedException();
            }
        });
    }

    /**
     * RheaKV's scan futures take no limit: {@code scan(start, end, ...)} returns the whole range from every region
     * it spans, so {@code [startKey, +inf)} would ship the rest of the key space. Its iterator is the API with a
     * limit: it asks one region at a time ({@code singleRegionScan(cursor, limit)}, a ReadIndex read on that
     * region's leader) and stops once {@code limit} pairs are in hand. What that costs: each call blocks a
     * {@code bench-rheakv-scan} thread until its answer; a scan that runs into a region's end pays one more round
     * trip that comes back empty (that is how the iterator learns the region ended) and then asks the next region
     * for a whole {@code limit} again, of which only the rest is used. Values are returned, as RangeKV's SDK scan
     * returns them.
     */
    @Override
    public CompletableFuture<Integer> scan(byte[] startKey, int limit) {
        if (limit <= 0) {
            return CompletableFuture.completedFuture(0);
        }
        return CompletableFuture.supplyAsync(() -> {
            RheaIterator<KVEntry> it = cluster.client().iterator(startKey, null, limit, true, true);
            int n = 0;
            while (n < limit && it.hasNext()) {
                it.next();
                n++;
            }
            return n;
        }, scans);
    }

    @Override
    public List<Long> serverPids() {
        return List.of();
    }

    /**
     * RheaKV's own failures by its error code ("NOT_LEADER", "SERVER_BUSY", "RPC_CONNECTION_ERROR", ...), an RPC
     * or blocking-scan time-out as "timeout", a full scan queue as "scan-pool-full", a put answered false as
     * "put-not-applied"; anything else by its class.
     */
    @Override
    public String errorKind(Throwable failure) {
        Throwable root = Target.rootOf(failure);
        if (root instanceof ApiException) {
            return Errors.forException(root).name();
        }
        // Bolt's own time-out reaches callbacks; JRaft's wrapper of it is thrown when the send itself times out.
        if (root instanceof InvokeTimeoutException || root instanceof com.alipay.sofa.jraft.error.InvokeTimeoutException
                || root instanceof TimeoutException) {
            return "timeout";
        }
        if (root instanceof RejectedExecutionException) {
            return "scan-pool-full";
        }
        if (root instanceof PutNotAppliedException) {
            return "put-not-applied";
        }
        return Target.super.errorKind(failure);
    }

    @Override
    public void close() {
        try {
            scans.shutdownNow();
        } finally {
            cluster.close();
        }
    }

    /** RheaKV's put answered {@code false}: the write did not happen, and the client says no more. */
    static final class PutNotAppliedException extends RuntimeException {
        PutNotAppliedException() {
            super("RheaKV answered false to a put");
        }
    }
}
