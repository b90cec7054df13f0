package io.rangekv.store;

import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.Store;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.Engines;
import io.rangekv.store.heartbeat.HeartbeatSender;
import io.rangekv.store.heartbeat.KnownStores;
import io.rangekv.store.raft.JraftRaftGroup;
import io.rangekv.store.raft.MemberSnapshotGate;
import io.rangekv.store.raft.RaftEndpoint;
import io.rangekv.store.raft.log.RaftLogDb;
import io.rangekv.store.raft.log.RaftLogRegionCatalog;
import io.rangekv.store.region.RegionRegistry;
import io.rangekv.store.region.RegionState;
import io.rangekv.store.region.StaticStoreDirectory;
import io.rangekv.store.rpc.KvRpcService;
import io.rangekv.store.rpc.KvServer;
import io.rangekv.store.rpc.RpcLimits;
import io.rangekv.store.rpc.StoreAdmin;
import io.rangekv.concurrent.Closeables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * One store-node process (or one of several in a test JVM): wires the engine, the Raft endpoint, the hosted
 * regions and the KV server, and stops them in reverse order. Holds no global state.
 *
 * <p>Start-up: open the engine → bind the Raft port → open the store-wide Raft log → start every region recorded in
 * the engine (each replays only the log entries after its recorded applied index) → bootstrap the first region if
 * asked and none exists → serve KV requests → with a placement driver, register and start heartbeats (the PD then
 * bootstraps the cluster and sends instructions).
 */
public final class StoreNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreNode.class);
    /** The first region of a bootstrapped cluster: it covers the whole key space. */
    public static final long FIRST_REGION_ID = 1;

    private final StoreConfig config;
    private final Engine engine;
    private final StoreThreads threads;
    private final RaftEndpoint raftEndpoint;
    private final RaftLogDb raftLog;
    private final StaticStoreDirectory directory;
    private final RegionRegistry regions;
    private final KvServer kvServer;
    private final HeartbeatSender heartbeats;

    private StoreNode(StoreConfig config, Engine engine, StoreThreads threads, RaftEndpoint raftEndpoint,
                      RaftLogDb raftLog, StaticStoreDirectory directory, RegionRegistry regions, KvServer kvServer,
                      HeartbeatSender heartbeats) {
        this.config = config;
        this.engine = engine;
        this.threads = threads;
        this.raftEndpoint = raftEndpoint;
        this.raftLog = raftLog;
        this.directory = directory;
        this.regions = regions;
        this.kvServer = kvServer;
        this.heartbeats = heartbeats;
    }

    public static StoreNode start(StoreConfig config) {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            Files.createDirectories(config.dataDir());
            Engine engine = Engines.open(config.engine());
            started.add(engine);
            StoreThreads threads = new StoreThreads(config.threads());
            started.add(threads);
            RaftEndpoint endpoint = RaftEndpoint.start(config.host(), config.raftPort(),
                    config.raft().snapshotRate());
            started.add(endpoint);
            RaftLogDb raftLog = RaftLogDb.open(config.dataDir().resolve("raft-log"), config.raft().logSync());
            started.add(raftLog);
            StaticStoreDirectory directory = new StaticStoreDirectory(config.clusterStores());
            if (config.pd().enabled()) {
                // Where the other replicas are, as the PD said last: the regions below start before the PD answers.
                KnownStores.load(config.dataDir()).forEach(directory::put);
            }
            RegionRegistry regions = new RegionRegistry(engine, new RaftLogRegionCatalog(raftLog), threads.admin());
            regions.setLauncher(new RegionLauncher(config, engine, threads, endpoint, raftLog, directory, regions));
            endpoint.admitInstalls(MemberSnapshotGate.Admission.of(
                    groupId -> JraftRaftGroup.regionIdOf(groupId).flatMap(regions::installRefusal),
                    groupId -> JraftRaftGroup.regionIdOf(groupId).map(regions::awaitsSnapshot).orElse(true)));
            started.add(regions::stopAll);

            int hosted = regions.recover();
            if (hosted == 0 && config.bootstraps()) {
                regions.create(firstRegion(config), config.storeId(), true);
                LOG.info("store {} bootstrapped region {} on stores {}", config.storeId(), FIRST_REGION_ID,
                        config.bootstrapVoters());
            }
            // Data keys carry one prefix byte, so a user key may be one byte shorter than the engine allows.
            RpcLimits limits = config.rpc().withKeySizeAtMost(engine.maxKeyBytes() - 1L);
            KvServer kvServer = KvServer.start(config.host(), config.kvPort(), config.threads().ioThreads(), limits,
                    new KvRpcService(regions, new StoreAdmin(regions), threads.kv(), limits));
            started.add(kvServer);
            Store self = config.self(kvServer.port());
            directory.put(self);
            HeartbeatSender heartbeats = null;
            if (config.pd().enabled()) {
                heartbeats = new HeartbeatSender(config.storeId(), config.dataDir(), config.pd(), () -> self, regions,
                        directory, engine);
                started.add(heartbeats);
                heartbeats.start();
            }
            StoreNode node = new StoreNode(config, engine, threads, endpoint, raftLog, directory, regions,
                    kvServer, heartbeats);
            LOG.info("store {} serving KV at {} and Raft at {} on a {} engine with {} regions", config.storeId(),
                    node.kvAddress(), endpoint.address(), engine.kind().label(), regions.all().size());
            return node;
        } catch (IOException e) {
            closeAll(started);
            throw new UncheckedIOException("store " + config.storeId() + " failed to start", e);
        } catch (RuntimeException e) {
            closeAll(started);
            throw e;
        }
    }

    /** Region 1: the whole key space, one voter per bootstrap store, peer id = store id. */
    private static Region firstRegion(StoreConfig config) {
        List<Peer> peers = config.bootstrapVoters().stream().map(id -> Peer.voter(id, id)).toList();
        return new Region(FIRST_REGION_ID, KeyRange.ALL, RegionEpoch.INITIAL, peers);
    }

    public Store self() {
        return config.self(kvServer.port());
    }

    public long storeId() {
        return config.storeId();
    }

    public String kvAddress() {
        return config.host() + ":" + kvServer.port();
    }

    public String raftAddress() {
        return raftEndpoint.address();
    }

    public RegionRegistry regions() {
        return regions;
    }

    public Engine engine() {
        return engine;
    }

    public StaticStoreDirectory directory() {
        return directory;
    }

    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>(List.of(engine, threads, raftEndpoint, raftLog,
                (AutoCloseable) regions::stopAll, kvServer));
        if (heartbeats != null) {
            parts.add(heartbeats);
        }
        closeAll(parts);
        LOG.info("store {} stopped", config.storeId());
    }

    private static void closeAll(List<AutoCloseable> started) {
        Closeables.closeInReverse(started, LOG);
    }
}
