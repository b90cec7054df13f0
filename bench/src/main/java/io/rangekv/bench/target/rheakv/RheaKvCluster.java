package io.rangekv.bench.target.rheakv;

import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.option.ReadOnlyOption;
import com.alipay.sofa.jraft.rhea.client.DefaultRheaKVStore;
import com.alipay.sofa.jraft.rhea.client.RheaKVStore;
import com.alipay.sofa.jraft.rhea.client.pd.PlacementDriverClient;
import com.alipay.sofa.jraft.rhea.options.PlacementDriverOptions;
import com.alipay.sofa.jraft.rhea.options.RegionEngineOptions;
import com.alipay.sofa.jraft.rhea.options.RegionRouteTableOptions;
import com.alipay.sofa.jraft.rhea.options.RheaKVStoreOptions;
import com.alipay.sofa.jraft.rhea.options.RocksDBOptions;
import com.alipay.sofa.jraft.rhea.options.StoreEngineOptions;
import com.alipay.sofa.jraft.rhea.storage.StorageType;
import com.alipay.sofa.jraft.util.Endpoint;
import io.rangekv.bench.load.KeySpace;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.store.cluster.FreePorts;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A RheaKV cluster embedded in this JVM: {@link TargetContext#replicas()} stores on loopback ports picked at run
 * time, each a {@link DefaultRheaKVStore} with a store engine, and one client-only {@link DefaultRheaKVStore} that
 * reaches them over RheaKV's RPC. A store's own client would serve the regions it leads in-process, without the
 * network, which RangeKV's client never can; the separate client keeps the comparison hop for hop.
 *
 * <pre>
 *   bench driver -> client (no store engine) --bolt RPC, loopback--> store 1..3 (4 regions x 3 replicas)
 * </pre>
 *
 * <p><b>Placement:</b> fixed, without a PD (RheaKV's "fake" placement driver): {@link #REGIONS} regions split at
 * {@link KeySpace#boundary}, even quarters of the bench's key space (records are scattered over it, so each region
 * gets a quarter of them whatever {@code --records} is). RheaKV splits only when its PD orders it,
 * so the layout holds for the whole run, while RangeKV's PD splits by size.
 *
 * <p><b>Durability and reads</b>, set to RangeKV's: every Raft log append fsynced ({@code sync}) and term/vote too
 * ({@code syncMeta}; JRaft's default is off); RocksDB's WAL on, not synced (RheaKV's default turns the WAL off);
 * reads by ReadIndex ({@code ReadOnlySafe}, leader only), never by lease; RangeKV's 2 s election timeout.
 * Everything else is RheaKV's default, including its per-replica Raft log (one RocksDB per region replica, where
 * RangeKV shares one log per store), its per-node timers and metrics, and its client's request batching.
 *
 * <p><b>Failure:</b> RheaKV's {@code init} answers only true or false (the reason is in its log), so a store that
 * does not start fails {@link #start} with its number and address. RheaKV wipes its RocksDB at start and replays
 * the Raft log; {@link #close()} deletes nothing, so the data and logs stay under the work directory.
 *
 * <p><b>JVM-wide state:</b> RheaKV's {@code RouteTable} and JRaft's {@code NodeManager} are singletons keyed by
 * Raft group id. Each cluster gets a fresh cluster name (the group ids' prefix), so a cluster started after another
 * in the same JVM (the IT starts two) never sees the first one's cached leaders.
 */
final class RheaKvCluster implements AutoCloseable {
    static final int REGIONS = 4;
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);
    private static final int ELECTION_TIMEOUT_MS = 2000;
    private static final AtomicLong CLUSTERS = new AtomicLong();

    private final RheaKvEngine engine;
    private final String clusterName;
    private final PrintStream progress;
    private final List<DefaultRheaKVStore> stores = new ArrayList<>();
    private DefaultRheaKVStore client;

    private RheaKvCluster(RheaKvEngine engine, String clusterName, PrintStream progress) {
        this.engine = engine;
        this.clusterName = clusterName;
        this.progress = progress;
    }

    /** Starts the stores and the client and waits until every region has a leader; fails after a minute. */
    static RheaKvCluster start(TargetContext context) {
        RheaKvEngine engine = RheaKvEngine.of(context.engine());
        long begin = System.nanoTime();
        List<Integer> ports = FreePorts.pick(context.replicas());
        String servers = ports.stream().map(p -> LOOPBACK + ":" + p).collect(Collectors.joining(","));
        RheaKvCluster cluster = new RheaKvCluster(engine, "rheakv-bench-" + CLUSTERS.incrementAndGet(),
                context.progress());
        try {
            for (int i = 0; i < ports.size(); i++) {
                DefaultRheaKVStore store = new DefaultRheaKVStore();
                cluster.stores.add(store);
                Path dir = context.workDir().resolve("store-" + (i + 1));
                if (!store.init(storeOptions(cluster.clusterName, servers, ports.get(i), dir, engine))) {
                    throw new IllegalStateException("rheakv: store " + (i + 1) + " on " + LOOPBACK + ":"
                            + ports.get(i) + " did not start (RheaKV logged why)");
                }
            }
            cluster.client = new DefaultRheaKVStore();
            if (!cluster.client.init(clientOptions(cluster.clusterName, servers))) {
                throw new IllegalStateException("rheakv: the client did not start (RheaKV logged why)");
            }
            cluster.awaitLeaders();
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        context.progress().printf("rheakv: %d %s stores embedded in this JVM, %d regions, ready in %.1f s (data in "
                + "%s)%n", ports.size(), engine.describe(), REGIONS, (System.nanoTime() - begin) / 1e9,
                context.workDir());
        return cluster;
    }

    RheaKVStore client() {
        return client;
    }

    /** The layout, engine and guarantees, for {@code Target#durability()}. */
    String describe() {
        String rocks = engine.storageType() == StorageType.RocksDB
                ? ", WAL on, not synced (as RangeKV's engine)" : "";
        String splits = java.util.stream.IntStream.range(1, REGIONS).mapToObj(i -> new String(startKey(i),
                StandardCharsets.US_ASCII)).collect(Collectors.joining(", "));
        return "RheaKV " + rheaVersion() + ", " + stores.size() + " stores embedded in the bench JVM (no server "
                + "processes: their CPU is the bench's), fixed placement without a PD: " + REGIONS + " regions split "
                + "at " + splits + " and never split during the run; engine " + engine.describe() + rocks
                + "; every write committed by a Raft quorum with fsync of each replica's own Raft log (sync and "
                + "syncMeta on) and applied before the answer; linearizable reads (ReadIndex, readOnlySafe, leader "
                + "only); client: RheaKV's DefaultRheaKVStore over its RPC, request batching on (its default)";
    }

    /**
     * Stops the client, then every store; never throws. A store whose shutdown fails is reported on the progress
     * stream and the others are still stopped. A store whose {@code init} failed half-way is skipped by RheaKV's
     * shutdown (it checks its started flag), so what that store had opened stays open until the JVM exits.
     */
    @Override
    public void close() {
        if (client != null) {
            stop("the client", client);
        }
        for (int i = 0; i < stores.size(); i++) {
            stop("store " + (i + 1), stores.get(i));
        }
    }

    private void stop(String what, DefaultRheaKVStore store) {
        try {
            store.shutdown();
        } catch (RuntimeException e) {
            progress.printf("rheakv: %s did not shut down cleanly: %s%n", what, e);
        }
    }

    private void awaitLeaders() {
        PlacementDriverClient pd = client.getPlacementDriverClient();
        long deadline = System.nanoTime() + LEADER_TIMEOUT.toNanos();
        for (long regionId = 1; regionId <= REGIONS; regionId++) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            // Asks the peers until one names a leader, retrying every 10 ms; throws RouteTableException at the end.
            pd.getLeader(regionId, true, left);
        }
    }

    /** The one place our settings become RheaKV's, for a store. */
    private static RheaKVStoreOptions storeOptions(String clusterName, String servers, int port, Path dir,
                                                   RheaKvEngine engine) {
        RaftOptions raft = new RaftOptions();
        raft.setSync(true);
        raft.setSyncMeta(true);
        raft.setReadOnlyOptions(ReadOnlyOption.ReadOnlySafe);
        NodeOptions node = new NodeOptions();
        node.setRaftOptions(raft);
        // RangeKV's default (raft.election-timeout). With JRaft's 1 s, leaders stepped down for lack of a quorum
        // while the first RheaKvTargetIT run loaded the data on this shared 2-core machine.
        node.setElectionTimeoutMs(ELECTION_TIMEOUT_MS);

        RocksDBOptions rocks = new RocksDBOptions();
        rocks.setDbPath(dir.resolve("db").toString());
        rocks.setSync(false);
        rocks.setDisableWAL(false);

        StoreEngineOptions store = new StoreEngineOptions();
        store.setStorageType(engine.storageType());
        store.setRocksDBOptions(rocks);
        store.setRaftDataPath(dir.resolve("raft").toString());
        store.setServerAddress(new Endpoint(LOOPBACK, port));
        store.setCommonNodeOptions(node);
        List<RegionEngineOptions> regions = new ArrayList<>();
        for (int i = 0; i < REGIONS; i++) {
            RegionEngineOptions region = new RegionEngineOptions();
            region.setRegionId(i + 1L);
            region.setStartKeyBytes(startKey(i));
            region.setEndKeyBytes(startKey(i + 1));
            regions.add(region);
        }
        store.setRegionEngineOptionsList(regions);

        PlacementDriverOptions pd = new PlacementDriverOptions();
        pd.setFake(true);
        RheaKVStoreOptions options = new RheaKVStoreOptions();
        options.setClusterName(clusterName);
        options.setInitialServerList(servers);
        options.setPlacementDriverOptions(pd);
        options.setStoreEngineOptions(store);
        return options;
    }

    /** A client only (no store engine): the route table lists the same regions as the stores. */
    private static RheaKVStoreOptions clientOptions(String clusterName, String servers) {
        List<RegionRouteTableOptions> routes = new ArrayList<>();
        for (int i = 0; i < REGIONS; i++) {
            RegionRouteTableOptions route = new RegionRouteTableOptions();
            route.setRegionId(i + 1L);
            route.setStartKeyBytes(startKey(i));
            route.setEndKeyBytes(startKey(i + 1));
            routes.add(route);
        }
        PlacementDriverOptions pd = new PlacementDriverOptions();
        pd.setFake(true);
        pd.setRegionRouteTableOptionsList(routes);
        RheaKVStoreOptions options = new RheaKVStoreOptions();
        options.setClusterName(clusterName);
        options.setInitialServerList(servers);
        options.setPlacementDriverOptions(pd);
        return options;
    }

    /** Region {@code i}'s start key (0-based); null, RheaKV's unbounded, before the first and after the last. */
    static byte[] startKey(int i) {
        return i == 0 || i == REGIONS ? null : KeySpace.boundary(i, REGIONS);
    }


    private static String rheaVersion() {
        try (InputStream in = DefaultRheaKVStore.class.getResourceAsStream(
                "/META-INF/maven/com.alipay.sofa/jraft-rheakv-core/pom.properties")) {
            if (in == null) {
                return "(version unknown)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "(version unknown)");
        } catch (IOException e) {
            return "(version unknown)";
        }
    }
}
