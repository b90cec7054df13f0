package io.rangekv.bench.target.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.rangekv.bench.load.Target;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * etcd as a benchmark {@link Target}: an {@link EtcdCluster} plus one jetcd {@link Client}. A put is etcd's Put
 * (proposed through Raft, fsynced on a quorum before the reply); a read is a linearizable Range of one key
 * (serializable=false: the member confirms its read index with a quorum first); a scan is a Range from the start key
 * to the end of the keyspace with a limit, values included.
 *
 * <p>The client lists the member that led at start-up first and asks gRPC for {@code pick_first}, so requests go
 * straight to the leader as RangeKV's and RheaKV's clients do, and the other members are only the fallback. jetcd's
 * default is {@code round_robin}, which would send two requests in three to followers: they forward writes and
 * ask the leader for each read index, one more loopback hop that would count against etcd.
 *
 * <p><b>Concurrency:</b> thread-safe (jetcd's client is). jetcd hands each call to its own daemon pool
 * ({@code jetcd-*}) and completes it on a Vert.x event loop; the conversions here are a few field reads, run on
 * whichever thread completes, and never block. <b>Failure:</b> gRPC failures complete the future exceptionally,
 * after jetcd's own retry policy has retried those it deems safe; a call with no answer after
 * {@value #REQUEST_TIMEOUT_SECONDS} s fails with a {@link TimeoutException} so that a stuck request shows up as an
 * error instead of a lost slot. {@link #errorKind} names failures by gRPC status code.
 */
public final class EtcdTarget implements Target {
    static final long REQUEST_TIMEOUT_SECONDS = 10;
    /** The range end that means "every key from the start key on" in etcd's API. */
    private static final ByteSequence END_OF_KEYSPACE = ByteSequence.from(new byte[] {0});
    private static final GetOption LINEARIZABLE_GET = GetOption.builder().withSerializable(false).build();
    private static final byte[] PROBE_KEY = "\0rangekv-bench-probe".getBytes(StandardCharsets.UTF_8);

    private final EtcdCluster cluster;
    private final Client client;
    private final KV kv;
    private final String durability;

    private EtcdTarget(EtcdCluster cluster, Client client) {
        this.cluster = cluster;
        this.client = client;
        this.kv = client.getKVClient();
        this.durability = "etcd " + cluster.version() + ", " + cluster.members().size() + " members (bbolt), every "
                + "write committed by a Raft quorum with fsync of each member's WAL (etcd batches entries per fsync) "
                + "and applied before the answer; linearizable reads (ReadIndex, serializable=false); client: jetcd "
                + "(gRPC), the start-up leader first";
    }

    /** Connects a client to {@code cluster}; the target owns the cluster from here on and closes it. */
    static EtcdTarget connect(EtcdCluster cluster) {
        Client client = Client.builder()
                .endpoints(cluster.clientUrlsLeaderFirst().toArray(String[]::new))
                .loadBalancerPolicy("pick_first")
                .build();
        return new EtcdTarget(cluster, client);
    }

    /** Blocks until a put and a linearizable read of a probe key succeed, then deletes the probe key. */
    void awaitAnswers(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] value = {1, 2, 3};
        put(PROBE_KEY, value).get(left(deadline), TimeUnit.NANOSECONDS);
        Optional<byte[]> read = read(PROBE_KEY).get(left(deadline), TimeUnit.NANOSECONDS);
        if (read.isEmpty() || !Arrays.equals(read.get(), value)) {
            throw new IllegalStateException("etcd did not read back the probe key it had just acknowledged");
        }
        kv.delete(ByteSequence.from(PROBE_KEY)).get(left(deadline), TimeUnit.NANOSECONDS);
    }

    private static long left(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public String durability() {
        return durability;
    }

    @Override
    public CompletableFuture<Optional<byte[]>> read(byte[] key) {
        return kv.get(ByteSequence.from(key), LINEARIZABLE_GET)
                .thenApply(response -> response.getKvs().isEmpty()
                        ? Optional.<byte[]>empty()
                        : Optional.of(response.getKvs().get(0).getValue().getBytes()))
                .orTimeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        return kv.put(ByteSequence.from(key), ByteSequence.from(value))
                .<Void>thenApply(response -> null)
                .orTimeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public CompletableFuture<Integer> scan(byte[] startKey, int limit) {
        // Unfair to etcd 3.4: it walks all keys after startKey, then limits (100k keys: 31 ms at key 0, 2 ms at end)
        return range(startKey, limit).thenApply(response -> response.getKvs().size());
    }

    /** The keys {@link #scan} returns, in the order etcd returns them; for tests. */
    CompletableFuture<List<byte[]>> scanKeys(byte[] startKey, int limit) {
        return range(startKey, limit)
                .thenApply(response -> response.getKvs().stream().map(kv -> kv.getKey().getBytes()).toList());
    }

    private CompletableFuture<GetResponse> range(byte[] startKey, int limit) {
        if (limit < 1) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("scan limit must be at least 1, not "
                    + limit + " (etcd reads 0 as no limit)"));
        }
        GetOption option = GetOption.builder()
                .withRange(END_OF_KEYSPACE)
                .withLimit(limit)
                .withSerializable(false)
                .build();
        return kv.get(ByteSequence.from(startKey), option).orTimeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public List<Long> serverPids() {
        return cluster.pids();
    }

    /**
     * The gRPC status code in lower case with dashes ("unavailable", "resource-exhausted"), "timeout" for
     * DEADLINE_EXCEEDED and for this target's own request timeout, else the exception's simple class name.
     */
    @Override
    public String errorKind(Throwable failure) {
        Throwable t = Target.rootOf(failure);
        if (t instanceof TimeoutException) {
            return "timeout";
        }
        Optional<String> code = statusCode(t);
        if (code.isEmpty()) {
            return Target.super.errorKind(failure);
        }
        return code.get().equals("DEADLINE_EXCEEDED") ? "timeout"
                : code.get().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The first gRPC status code in the cause chain; jetcd's {@link EtcdException} carries the same names. */
    private static Optional<String> statusCode(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StatusRuntimeException e) {
                return Optional.of(e.getStatus().getCode().name());
            }
            if (t instanceof StatusException e) {
                return Optional.of(e.getStatus().getCode().name());
            }
            if (t instanceof EtcdException e) {
                return Optional.of(e.getErrorCode().name());
            }
        }
        Status.Code code = Status.fromThrowable(failure).getCode();
        return code == Status.Code.UNKNOWN ? Optional.empty() : Optional.of(code.name());
    }

    /** Closes the client, then stops the members (their data and logs stay in the work directory). */
    @Override
    public void close() {
        try {
            client.close();
        } finally {
            cluster.close();
        }
    }
}
