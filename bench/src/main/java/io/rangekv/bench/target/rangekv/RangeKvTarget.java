package io.rangekv.bench.target.rangekv;

import com.fasterxml.jackson.databind.JsonNode;
import io.rangekv.bench.load.Target;
import io.rangekv.client.AsyncKvClient;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.ScanOptions;
import io.rangekv.ctl.AdminApi;
import io.rangekv.error.KvException;
import io.rangekv.meta.Key;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.store.process.ProcessCluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * RangeKV through the Java SDK ({@link AsyncKvClient}): routes cached, requests straight to the region leader's
 * store, linearizable reads (ReadIndex). Owns the cluster it was started with and stops it on {@link #close()}.
 */
public final class RangeKvTarget implements Target {
    private final ProcessCluster cluster;
    private final KvClient client;
    private final String layout;

    private RangeKvTarget(ProcessCluster cluster, KvClient client, String layout) {
        this.cluster = cluster;
        this.client = client;
        this.layout = layout;
    }

    /**
     * Connects the SDK to a started cluster and waits until it answers a put and a read (the first write waits for
     * the first region and its leader, which the PD creates once the stores have registered). The target owns the
     * cluster from here on; on failure both are closed. {@code layout} describes the cluster for the report
     * ("1 PD + 3 stores (rocksdb)").
     */
    public static RangeKvTarget connect(ProcessCluster cluster, String layout) {
        KvClient client = null;
        try {
            client = KvClient.connect(KvClientConfig.DEFAULTS, cluster.pdRpcEndpoints());
            client.put(Key.of("bench/ready"), new byte[] {1});
            client.get(Key.of("bench/ready")).orElseThrow();
            return new RangeKvTarget(cluster, client, layout);
        } catch (RuntimeException e) {
            if (client != null) {
                client.close();
            }
            cluster.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "rangekv";
    }

    @Override
    public String durability() {
        return "RangeKV, " + layout + ", every write committed by a Raft quorum with fsync of the "
                + "store's shared Raft log (group commit) and applied before the answer; linearizable reads "
                + "(ReadIndex); client: Java SDK";
    }

    @Override
    public CompletableFuture<Optional<byte[]>> read(byte[] key) {
        return client.async().get(Key.of(key), ReadConsistency.LINEARIZABLE);
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        return client.async().put(Key.of(key), value);
    }

    @Override
    public CompletableFuture<Integer> scan(byte[] startKey, int limit) {
        return client.async().scan(ScanOptions.range(Key.of(startKey), Key.EMPTY).withLimit(limit))
                .thenApply(List::size);
    }

    @Override
    public List<Long> serverPids() {
        return cluster.pids();
    }

    /** The client's region-error retries by kind (absorbed, not failures): the report lists them. */
    @Override
    public Map<String, Long> retries() {
        Map<String, Long> out = new TreeMap<>();
        client.retries().snapshot().forEach((kind, n) -> out.put(kind.name(), n));
        return out;
    }

    /**
     * "7 regions, leaders per store {1=5, 2=1, 3=1}; operators running 1, ended {hot-leader=2, ...}" from the PD's
     * admin API; a failed query is reported in place of the shape (it must not end the run).
     */
    @Override
    public Optional<String> shape() {
        try {
            AdminApi pd = new AdminApi(cluster.pdHttpEndpoints());
            JsonNode regions = pd.get("/regions").path("regions");
            Map<Long, Integer> leaders = new TreeMap<>();
            for (JsonNode r : regions) {
                leaders.merge(r.path("leader").path("store_id").asLong(0), 1, Integer::sum);
            }
            JsonNode operators = pd.get("/operators");
            Map<String, Integer> ended = new TreeMap<>();
            operators.path("history").forEach(op -> ended.merge(op.path("kind").asText(), 1, Integer::sum));
            return Optional.of(regions.size() + " regions, leaders per store " + leaders + " (0 = none); operators "
                    + "running " + operators.path("running").size() + ", ended " + ended);
        } catch (RuntimeException e) {
            return Optional.of("unknown (" + e.getMessage() + ")");
        }
    }

    @Override
    public String errorKind(Throwable failure) {
        return Target.rootOf(failure) instanceof KvException k ? k.kind().name() : Target.super.errorKind(failure);
    }

    /** The cluster, for scenarios that add, kill or split while the load runs. */
    public ProcessCluster cluster() {
        return cluster;
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            cluster.close();
        }
    }
}
