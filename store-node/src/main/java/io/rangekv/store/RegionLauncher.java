package io.rangekv.store;

import io.rangekv.store.engine.Engine;
import io.rangekv.store.raft.JraftRaftGroup;
import io.rangekv.store.raft.RaftEndpoint;
import io.rangekv.store.raft.RegionStateMachine;
import io.rangekv.store.raft.SplitChildSeed;
import io.rangekv.store.raft.log.RaftLogDb;
import io.rangekv.store.raft.log.SharedLogServiceFactory;
import io.rangekv.store.region.RegionPeer;
import io.rangekv.store.region.RegionRegistry;
import io.rangekv.store.region.RegionState;
import io.rangekv.store.region.StoreDirectory;

import java.nio.file.Path;

/**
 * Starts and destroys the Raft group of one replica on this store: a {@link RegionPeer}, its
 * {@link RegionStateMachine} and a {@link JraftRaftGroup}, wired together. Called by the {@link RegionRegistry} on
 * its {@code store-admin} thread (or at start-up).
 */
final class RegionLauncher implements RegionRegistry.Launcher {
    private final StoreConfig config;
    private final Engine engine;
    private final StoreThreads threads;
    private final RaftEndpoint endpoint;
    private final RaftLogDb raftLog;
    private final SharedLogServiceFactory logs;
    private final StoreDirectory directory;
    private final RegionRegistry regions;

    RegionLauncher(StoreConfig config, Engine engine, StoreThreads threads, RaftEndpoint endpoint, RaftLogDb raftLog,
                   StoreDirectory directory, RegionRegistry regions) {
        this.config = config;
        this.engine = engine;
        this.threads = threads;
        this.endpoint = endpoint;
        this.raftLog = raftLog;
        this.logs = new SharedLogServiceFactory(raftLog);
        this.directory = directory;
        this.regions = regions;
    }

    @Override
    public RegionPeer launch(RegionState state) {
        return launch(state, false);
    }

    @Override
    public RegionPeer launchSplitChild(RegionState state, boolean campaign) {
        return launch(SplitChildSeed.seedIfAbsent(groupDir(state.region().regionId()), state, engine, directory),
                campaign);
    }

    private RegionPeer launch(RegionState state, boolean campaign) {
        RegionPeer peer = new RegionPeer(state, config.storeId(), engine, directory, regions, threads.kv(),
                config.raft().snapshotLogEntries());
        RegionStateMachine fsm = new RegionStateMachine(engine, state, peer, threads.snapshot());
        long regionId = state.region().regionId();
        fsm.setNeighbours(new RegionStateMachine.Neighbours() {
            @Override
            public java.util.List<io.rangekv.meta.Region> overlapping(io.rangekv.meta.KeyRange range) {
                return regions.regionsOverlapping(range).stream().filter(r -> r.regionId() != regionId).toList();
            }

            @Override
            public void retireSuperseded(java.util.List<Long> regionIds) {
                regions.retireSuperseded(regionIds);
            }
        });
        Path groupDir = groupDir(state.region().regionId());
        // A replica starts from the region's peer list as recorded (the library ignores it once the group has its
        // own log or RaftSnapshot), except one added to a running region: with no configuration it never campaigns,
        // and waits for the leader's RaftSnapshot.
        JraftRaftGroup group = JraftRaftGroup.start(state.region(), state.peerId(), !state.awaitingSnapshot(), campaign,
                endpoint,
                groupDir, config.raft(), fsm, directory, logs, peer::notLeader);
        peer.attach(group, fsm);
        return peer;
    }

    private Path groupDir(long regionId) {
        return config.dataDir().resolve("raft").resolve(JraftRaftGroup.groupId(regionId));
    }

    @Override
    public void destroy(long regionId) {
        raftLog.destroyGroup(JraftRaftGroup.groupId(regionId));
        // Its RaftSnapshots and meta too: a replica of the same region created here later must start empty.
        Path dir = groupDir(regionId);
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
