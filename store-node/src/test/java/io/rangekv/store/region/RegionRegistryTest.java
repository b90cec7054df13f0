package io.rangekv.store.region;

import io.rangekv.config.Settings;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.Engines;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.raft.RegionStateCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a store starts, and what it forgets, when it restarts from a durable engine's region states, and when it
 * creates a replica. The launcher is a recorder: no Raft group runs.
 */
class RegionRegistryTest {
    private static final List<Peer> PEERS = List.of(Peer.voter(1, 1), Peer.voter(2, 2), Peer.voter(3, 3));

    @TempDir
    Path dir;
    private Engine engine;
    private ExecutorService admin;
    private final List<String> launched = new ArrayList<>();
    /** Regions whose group fails to start (a RaftSnapshot refused, damaged files). */
    private final java.util.Set<Long> failing = new java.util.HashSet<>();
    /** How many split-child seeds fail before they succeed (a full disk). */
    private final java.util.concurrent.atomic.AtomicInteger failingSeeds = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void setUp() {
        engine = Engines.open(EngineConfig.from(new Settings(Map.of("engine.kind", "rocksdb")), dir));
        admin = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void tearDown() {
        admin.shutdownNow();
        engine.close();
    }

    private RegionRegistry registry() {
        RegionRegistry registry = new RegionRegistry(engine, new NoCatalog(), admin);
        registry.setLauncher(new RegionRegistry.Launcher() {
            @Override
            public RegionPeer launch(RegionState state) {
                if (failing.contains(state.region().regionId())) {
                    throw new IllegalStateException("region " + state.region().regionId() + " did not start");
                }
                launched.add("start " + state.region().regionId());
                return new RegionPeer(state, 1, engine, null, registry, Runnable::run, 1000);
            }

            @Override
            public RegionPeer launchSplitChild(RegionState state, boolean campaign) {
                if (failingSeeds.getAndDecrement() > 0) {
                    throw new java.io.UncheckedIOException(new java.io.IOException("No space left on device"));
                }
                launched.add("seed and start " + state.region().regionId());
                return new RegionPeer(state, 1, engine, null, registry, Runnable::run, 1000);
            }

            @Override
            public void destroy(long regionId) {
                launched.add("destroy log of " + regionId);
            }
        });
        return registry;
    }

    private void store(RegionState state) {
        engine.write(new WriteBatch().put(Keys.regionState(state.region().regionId()), RegionStateCodec.encode(state)));
    }

    private static Region region(long regionId, String start, String end, long version) {
        return new Region(regionId, new KeyRange(Key.of(start), Key.of(end)), new RegionEpoch(1, version), PEERS);
    }

    /**
     * Hazard 5: the split's batch records the child, then the store stops before the child's seed RaftSnapshot is
     * written. Started as a plain replica, the child's group had no seed: its log began at index 1 on this store and
     * after a seed at index 1 on the others. It must be seeded first.
     */
    @Test
    void aSplitChildRecordedButNeverSeededIsSeededBeforeItStarts() {
        Region parent = region(1, "a", "z", 1);
        CommandApplier applier = new CommandApplier(engine, RegionState.fresh(parent, 1));
        applier.apply(new Proposal(1, parent.epoch(), new Command.Split(Key.of("m"), 9, List.of(91L, 92L, 93L))), 5);
        applier.flush();

        registry().recover();

        assertEquals(List.of("start 1", "seed and start 9"), launched);
    }

    /**
     * Hazard 4: a voter of region 1 that had not applied its split yet, on a store that hosts the split-off region
     * 9 at a higher version (its replica added there by RaftSnapshot). The restart took region 1 for superseded and
     * deleted its Raft log while it was still a member; the PD then re-created it empty, a voter without its log.
     */
    @Test
    void aLaggingVoterOverlappedByANewerRegionKeepsItsLog() {
        store(RegionState.fresh(region(1, "a", "z", 1), 1));
        store(RegionState.fresh(region(9, "m", "z", 2), 91));

        registry().recover();

        assertEquals(List.of("start 1", "start 9"), launched);
    }

    /** A merge source frozen into a target this store already holds merged: its retirement finishes at restart. */
    @Test
    void aMergeSourceWhoseTargetHoldsItsRangeIsForgotten() {
        store(RegionState.fresh(region(1, "a", "m", 2), 1).withMergingInto(region(1, "a", "m", 2), 9));
        store(RegionState.fresh(region(9, "a", "z", 3), 91));
        engine.write(new WriteBatch().put(Keys.dedup(1, 5), new byte[] {8, 1}));

        registry().recover();

        assertEquals(List.of("destroy log of 1", "start 9"), launched);
        try (var it = engine.iterator(Keys.dedupStart(1), Keys.dedupEnd(1), false)) {
            org.junit.jupiter.api.Assertions.assertFalse(it.isValid(), "its deduplication records go with it");
        }
    }

    /** The meta prefix also holds write-deduplication records: recovery reads only the region state records. */
    @Test
    void deduplicationRecordsBesideTheStatesAreNotTakenForRegions() {
        Region parent = region(1, "a", "z", 1);
        CommandApplier applier = new CommandApplier(engine, RegionState.fresh(parent, 1));
        applier.apply(new Proposal(1, parent.epoch(), new Command.Put(Key.of("k"), new byte[] {1}),
                new io.rangekv.store.command.ClientWrites(77, new long[] {3}, 3, 1000)), 1);
        applier.flush();

        registry().recover();

        assertEquals(List.of("start 1"), launched);
    }

    /** One replica that cannot start must not keep the store, and every other region on it, down. */
    @Test
    void aReplicaThatCannotStartIsLeftOutAndTheOthersStart() {
        store(RegionState.fresh(region(1, "a", "m", 1), 11));
        store(RegionState.fresh(region(2, "m", "z", 1), 21));
        failing.add(1L);

        RegionRegistry registry = registry();
        registry.recover();

        assertEquals(List.of("start 2"), launched);
        assertEquals(List.of(2L), registry.all().stream().map(RegionPeer::regionId).toList());
    }

    /**
     * A replica of a region the store still runs under another peer id (removed, not destroyed yet) is not created:
     * the old one would silently stand in for it (same Raft group id, same address).
     */
    @Test
    void aReplicaIsNotCreatedWhileAnOldOneOfTheRegionRuns() {
        RegionRegistry registry = registry();
        registry.create(region(1, "a", "z", 1), 11, false);

        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> registry.create(region(1, "a", "z", 1), 12, false));

        assertEquals(true, refused.getMessage().contains("old replica 11"), refused.getMessage());
        assertEquals(11, registry.get(1).orElseThrow().peerId());
        assertEquals(11, registry.create(region(1, "a", "z", 1), 11, false).peerId(), "the same one: idempotent");
    }

    /** Chaos finding 4: a split child whose seed hit a full disk was never started on that store. */
    @Test
    void aSplitChildThatCannotBeSeededIsTriedAgain() {
        RegionRegistry registry = registry();
        registry.setChildStartRetry(java.time.Duration.ofMillis(10));
        failingSeeds.set(2);
        registry.startSplitChild(1, 5, RegionState.fresh(region(2, "m", "z", 2), 21), false);
        io.rangekv.store.cluster.Await.until("the split child started", java.time.Duration.ofSeconds(10),
                () -> registry.get(2).isPresent());
        assertEquals(List.of("seed and start 2"), launched);
        assertEquals(21, registry.get(2).orElseThrow().peerId());
    }

    /**
     * Chaos seed 302: a split child's replica made here by the PD while the parent replica here had not applied the
     * split installed the child's seed; the parent then replayed pre-split writes into the child's keys. The joining
     * replica's RaftSnapshot waits while an older replica here reaches into its range beyond it.
     */
    @Test
    void aJoiningReplicaWaitsWhileAnOlderReplicaHereStillReachesIntoItsRange() {
        RegionRegistry registry = registry();
        registry.create(region(1, "a", "z", 1), 11, true);                    // the parent, behind the split
        registry.create(region(2, "m", "z", 2), 21, false);                   // the child, joining
        assertTrue(registry.installRefusal(2).orElseThrow().contains("region 1"), registry.installRefusal(2)::get);
        assertEquals(java.util.Optional.empty(), registry.installRefusal(1), "a replica with data is never held back");

        registry.create(region(3, "0", "1", 1), 31, true);
        registry.create(region(4, "0", "5", 2), 41, false);                   // covers region 3 whole: a merge
        assertEquals(java.util.Optional.empty(), registry.installRefusal(4), "a covered older one is superseded");
    }

    private static final class NoCatalog implements RegionCatalog {
        @Override
        public void remember(Entry entry) {
        }

        @Override
        public void forget(long regionId) {
        }

        @Override
        public List<Entry> recall() {
            return List.of();
        }
    }
}
