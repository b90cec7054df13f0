package io.rangekv.store.cluster;

import io.rangekv.config.Settings;
import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.store.StoreConfig;
import io.rangekv.store.StoreNode;
import io.rangekv.store.StoreThreads;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.heartbeat.PdLink;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.raft.RaftConfig;
import io.rangekv.store.region.RegionPeer;
import io.rangekv.store.rpc.RpcLimits;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real cluster in one JVM: several {@link StoreNode}s with real JRaft groups, real engines and real sockets on
 * loopback, ports picked at run time, each store under its own directory. Tests drive it through a
 * {@link TestKvClient} and admin operations, and end with {@link #assertReplicasConverged()}.
 *
 * <p>Stores are numbered 1..n; the first region spans the whole key space with one voter per store.
 */
public final class TestCluster implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(30);

    private final Path root;
    private final EngineKind engine;
    private final RaftConfig raft;
    private final Map<Long, StoreConfig> configs = new TreeMap<>();
    private final Map<Long, StoreNode> live = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1000);
    private final List<TestKvClient> clients = new ArrayList<>();

    private final List<Long> bootstrapVoters = new ArrayList<>();
    private final Map<String, String> engineSettings;
    private final Map<String, String> rpcSettings;
    private final PdLink pd;

    private TestCluster(Path root, int stores, int voters, EngineKind engine, RaftConfig raft,
                        Map<String, String> engineSettings, Map<String, String> rpcSettings, PdLink pd) {
        this.root = root;
        this.pd = pd;
        this.engineSettings = engineSettings;
        this.rpcSettings = rpcSettings;
        this.engine = engine;
        this.raft = raft;
        for (long id = 1; id <= voters; id++) {
            bootstrapVoters.add(id);
        }
        List<Store> cluster = new ArrayList<>();
        Map<Long, int[]> ports = new HashMap<>();
        for (long id = 1; id <= stores; id++) {
            int kv = FreePorts.pick();
            int raftPort = FreePorts.pick();
            ports.put(id, new int[] {kv, raftPort});
            cluster.add(new Store(id, "127.0.0.1:" + kv, "127.0.0.1:" + raftPort, Map.of(),
                    io.rangekv.meta.StoreState.UP));
        }
        for (long id = 1; id <= stores; id++) {
            configs.put(id, configFor(id, ports.get(id)[0], ports.get(id)[1], cluster));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How a cluster is made: {@code builder().dataDir(tmp).stores(3).engine(kind).start()}. */
    public static final class Builder {
        private Path dataDir;
        private int stores = 3;
        private int voters = -1;
        private EngineKind engine = EngineKind.MEMORY;
        private RaftConfig raft = RaftConfig.DEFAULTS.withElectionTimeout(Duration.ofMillis(1000));
        private final Map<String, String> engineSettings = new HashMap<>(Map.of("engine.lmdb.map-size", "256MB"));

        private final Map<String, String> rpcSettings = new HashMap<>();
        private PdLink pd = PdLink.NONE;
        private int running = -1;

        /** Only stores 1..count start; the others are configured and start with {@link #startStore}. */
        public Builder running(int count) {
            this.running = count;
            return this;
        }

        /**
         * Stores report to this placement driver, which bootstraps the first region (no bootstrap voters) and sends
         * instructions.
         */
        public Builder pd(PdLink link) {
            this.pd = link;
            this.voters = 0;
            return this;
        }

        /** One KV-service setting, as in the config file (for example {@code rpc.max-scan-bytes = 64}). */
        public Builder rpcSetting(String key, String value) {
            rpcSettings.put(key, value);
            return this;
        }

        /** One engine setting, as in the config file (for example {@code engine.lmdb.map-size = 1MB}). */
        public Builder engineSetting(String key, String value) {
            engineSettings.put(key, value);
            return this;
        }

        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        public Builder stores(int count) {
            this.stores = count;
            return this;
        }

        /** Only stores 1..count hold the first region; the rest start empty (default: all of them). */
        public Builder bootstrapVoters(int count) {
            this.voters = count;
            return this;
        }

        public Builder engine(EngineKind kind) {
            this.engine = kind;
            return this;
        }

        public Builder raft(RaftConfig config) {
            this.raft = config;
            return this;
        }

        public TestCluster start() {
            TestCluster cluster = new TestCluster(dataDir, stores, voters < 0 ? stores : voters, engine, raft,
                    engineSettings, rpcSettings, pd);
            try {
                cluster.configs.keySet().stream().filter(id -> running < 0 || id <= running)
                        .forEach(cluster::startStore);
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }
    }

    private StoreConfig configFor(long id, int kvPort, int raftPort, List<Store> cluster) {
        Path dir = root.resolve("store-" + id);
        Map<String, String> settings = new HashMap<>(engineSettings);
        settings.put("engine.kind", engine.label());
        return new StoreConfig(id, dir, "127.0.0.1", kvPort, raftPort,
                EngineConfig.from(new Settings(settings), dir.resolve("engine")), raft,
                new StoreThreads.ThreadConfig(2, 10_000, 1, 1), RpcLimits.from(new Settings(rpcSettings)), cluster, bootstrapVoters, pd, Map.of());
    }

    /** Stores whose process is running, with their KV addresses. */
    public Map<Long, String> liveStores() {
        Map<Long, String> out = new TreeMap<>();
        live.forEach((id, node) -> out.put(id, node.kvAddress()));
        return out;
    }

    public Optional<StoreNode> store(long storeId) {
        return Optional.ofNullable(live.get(storeId));
    }

    public EngineKind engine() {
        return engine;
    }

    public TestKvClient newClient() {
        TestKvClient client = new TestKvClient(this::liveStores, WAIT);
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    public void startStore(long storeId) {
        live.put(storeId, StoreNode.start(configs.get(storeId)));
    }

    /** Stops one store's process state (clean shutdown); its directory stays for a restart. */
    public void stopStore(long storeId) {
        StoreNode node = live.remove(storeId);
        if (node != null) {
            node.close();
        }
    }

    public void restartStore(long storeId) {
        stopStore(storeId);
        startStore(storeId);
    }

    /** The replica of {@code regionId} on {@code storeId}, if that store runs and hosts it. */
    public Optional<RegionPeer> replica(long storeId, long regionId) {
        return store(storeId).flatMap(n -> n.regions().get(regionId));
    }

    /** Waits until exactly one live replica of the region leads it, and returns its store. */
    public long leaderOf(long regionId) {
        long[] leader = new long[1];
        Await.until("a leader for region " + regionId, WAIT, () -> {
            List<Long> leaders = live.keySet().stream()
                    .filter(id -> replica(id, regionId).map(RegionPeer::isLeader).orElse(false)).toList();
            if (leaders.size() == 1) {
                leader[0] = leaders.get(0);
                return true;
            }
            return false;
        }, this::dump);
        return leader[0];
    }

    public long nextId() {
        return nextId.incrementAndGet();
    }

    /** Splits the region at {@code splitKey} through its leader; returns the new (right) region. */
    public Region split(long regionId, Key splitKey) throws Exception {
        RegionPeer leader = replica(leaderOf(regionId), regionId).orElseThrow();
        List<Long> newPeerIds = new ArrayList<>();
        for (int i = 0; i < leader.region().peers().size(); i++) {
            newPeerIds.add(nextId());
        }
        CommandResult.RegionChanged changed = (CommandResult.RegionChanged) leader
                .split(splitKey, nextId(), newPeerIds).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // The child's replicas start on each store shortly after its parent applied the split (once the child's seed
        // RaftSnapshot is written): wait until one runs, so that a caller asking the stores finds the child.
        Region right = changed.right();
        Await.until("region " + right.regionId() + " runs on a store", WAIT,
                () -> right.peers().stream().anyMatch(p -> replica(p.storeId(), right.regionId()).isPresent()));
        return right;
    }

    /** Current peers of the region, as its leader has applied them. */
    public Region regionAtLeader(long regionId) {
        return replica(leaderOf(regionId), regionId).orElseThrow().region();
    }

    /** Adds a replica on {@code storeId} as a learner, waits for it to catch up, then promotes it to voter. */
    public Region addVoter(long regionId, long storeId) throws Exception {
        Region region = regionAtLeader(regionId);
        Peer learner = Peer.learner(nextId(), storeId);
        List<Peer> withLearner = new ArrayList<>(region.peers());
        withLearner.add(learner);
        Region asLearner = changePeers(regionId, withLearner);
        Region initial = replica(leaderOf(regionId), regionId).orElseThrow().initialRegion();
        live.get(storeId).regions().createAsync(initial, learner.peerId(), false).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long target = replica(leaderOf(regionId), regionId).orElseThrow().stats().appliedIndex();
        Await.until("learner on store " + storeId + " catches up to " + target, WAIT,
                () -> replica(storeId, regionId).map(p -> p.stats().appliedIndex() >= target).orElse(false),
                this::dump);
        List<Peer> promoted = asLearner.peers().stream()
                .map(p -> p.peerId() == learner.peerId() ? p.withRole(io.rangekv.meta.PeerRole.VOTER) : p).toList();
        return changePeers(regionId, promoted);
    }

    public Region changePeers(long regionId, List<Peer> peers) throws Exception {
        RegionPeer leader = replica(leaderOf(regionId), regionId).orElseThrow();
        try {
            return leader.changePeers(peers).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("changing region " + regionId + " peers to " + peers + " did not finish in "
                    + WAIT + "\n" + dump(true), e);
        }
    }

    /**
     * Waits until every live replica of every region has applied the same index with the same epoch, then checks
     * that their data in the region's range is identical, byte for byte.
     */
    public void assertReplicasConverged() {
        Await.until("replicas to converge", WAIT, this::appliedIndexesAgree, this::dump);
        for (long regionId : regionIds()) {
            Map<Long, List<String>> contents = new TreeMap<>();
            for (long storeId : live.keySet()) {
                replica(storeId, regionId).ifPresent(p -> contents.put(storeId, contentOf(storeId, p.region())));
            }
            List<String> first = contents.values().iterator().next();
            contents.forEach((storeId, data) -> assertEquals(first, data,
                    "region " + regionId + " on store " + storeId + " differs"));
        }
    }

    private boolean appliedIndexesAgree() {
        for (long regionId : regionIds()) {
            List<RegionPeer> replicas = live.keySet().stream()
                    .map(id -> replica(id, regionId)).flatMap(Optional::stream).toList();
            if (replicas.stream().map(p -> p.stats().appliedIndex()).distinct().count() != 1
                    || replicas.stream().map(p -> p.region().epoch()).distinct().count() != 1) {
                return false;
            }
            Region region = replicas.get(0).region();
            long expected = region.peers().stream().filter(p -> live.containsKey(p.storeId())).count();
            if (replicas.size() != expected) {
                return false;
            }
        }
        return true;
    }

    public List<Long> regionIds() {
        return live.values().stream().flatMap(n -> n.regions().all().stream()).map(RegionPeer::regionId)
                .distinct().sorted().toList();
    }

    /** Every key/value of {@code region} on one store, as strings, for comparison and failure messages. */
    public List<String> contentOf(long storeId, Region region) {
        List<String> out = new ArrayList<>();
        try (EngineIterator it = live.get(storeId).engine().iterator(Keys.dataStart(region.range()),
                Keys.dataEnd(region.range()), false)) {
            for (; it.isValid(); it.next()) {
                out.add(Key.wrap(Keys.userKey(it.key())) + "=" + Arrays.hashCode(it.value()));
            }
        }
        return out;
    }

    public String dump() {
        return dump(false);
    }

    /** Every store's regions, leaders and applied indexes (and the library's view, when asked): for failures. */
    public String dump(boolean withRaft) {
        StringBuilder sb = new StringBuilder("cluster state:\n");
        live.forEach((id, node) -> {
            sb.append("  store ").append(id).append(" kv=").append(node.kvAddress()).append('\n');
            for (RegionPeer p : node.regions().all()) {
                sb.append("    ").append(p.region()).append(p.isLeader() ? " LEADER" : "")
                        .append(p.isFailed() ? " FAILED" : "")
                        .append(" applied=").append(p.stats() == null ? -1 : p.stats().appliedIndex()).append('\n');
                if (withRaft && p.raftGroup() != null) {
                    sb.append(p.raftGroup().describe().indent(6));
                }
            }
        });
        return sb.toString();
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(TestKvClient::close);
        }
        for (Long id : new ArrayList<>(live.keySet())) {
            stopStore(id);
        }
    }
}
