package io.rangekv.store.region;

import io.rangekv.config.Settings;
import io.rangekv.error.RegionException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.Engines;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.raft.RegionStateCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandApplierTest {
    private static final RegionEpoch EPOCH = new RegionEpoch(1, 1);
    private static final Region REGION = new Region(1, new KeyRange(Key.of("b"), Key.of("y")), EPOCH,
            List.of(Peer.voter(1, 1), Peer.voter(2, 2), Peer.voter(3, 3)));

    @TempDir
    Path dir;
    private Engine engine;
    private CommandApplier applier;

    @BeforeEach
    void setUp() {
        engine = Engines.open(EngineConfig.from(new Settings(Map.of("engine.kind", "memory")), dir));
        applier = new CommandApplier(engine, RegionState.fresh(REGION, 1));
    }

    @AfterEach
    void tearDown() {
        engine.close();
    }

    private CommandResult apply(long index, Command command) {
        return applier.apply(new Proposal(1, applier.state().region().epoch(), command), index);
    }

    private byte[] read(String key) {
        return engine.get(Keys.data(Key.of(key)));
    }

    private RegionState stored(long regionId) {
        byte[] raw = engine.get(Keys.regionState(regionId));
        return raw == null ? null : RegionStateCodec.decode(raw);
    }

    @Test
    void nothingReachesTheEngineUntilFlushThenDataAndAppliedIndexTogether() {
        apply(1, new Command.Put(Key.of("c"), new byte[] {1}));
        apply(2, new Command.Batch(List.of(new Command.Put(Key.of("d"), new byte[] {2}),
                new Command.Delete(Key.of("c")))));
        assertNull(read("d"));
        assertNull(stored(1));
        applier.flush();
        assertNull(read("c"));
        assertArrayEquals(new byte[] {2}, read("d"));
        assertEquals(2, stored(1).appliedIndex());
        assertNull(applier.flush(), "nothing new to flush");
    }

    @Test
    void compareAndPutSeesEarlierEntriesOfTheSameBatch() {
        apply(1, new Command.Put(Key.of("c"), new byte[] {1}));
        var hit = assertInstanceOf(CommandResult.CasOutcome.class,
                apply(2, new Command.CompareAndPut(Key.of("c"), new byte[] {1}, new byte[] {2})));
        var miss = assertInstanceOf(CommandResult.CasOutcome.class,
                apply(3, new Command.CompareAndPut(Key.of("c"), new byte[] {1}, new byte[] {3})));
        var absent = assertInstanceOf(CommandResult.CasOutcome.class,
                apply(4, new Command.CompareAndPut(Key.of("e"), null, new byte[] {4})));
        applier.flush();
        assertTrue(hit.succeeded());
        assertFalse(miss.succeeded());
        assertArrayEquals(new byte[] {2}, miss.previous());
        assertTrue(absent.succeeded());
        assertArrayEquals(new byte[] {2}, read("c"));
        assertEquals(4, stored(1).appliedIndex());
    }

    @Test
    void aKeyTwiceInOneBatchKeepsItsLaterValue() {
        // The client coalesces concurrent puts into one BATCH_PUT in the order they were made, keeping a key that
        // appears twice (client-sdk PutCoalescer): the batch's mutations apply in list order, so the later one wins.
        apply(1, new Command.Batch(List.of(new Command.Put(Key.of("c"), new byte[] {1}),
                new Command.Put(Key.of("d"), new byte[] {2}), new Command.Put(Key.of("c"), new byte[] {3}))));
        applier.flush();
        assertArrayEquals(new byte[] {3}, read("c"));
        assertArrayEquals(new byte[] {2}, read("d"));
    }

    @Test
    void aStaleEpochOrAForeignKeyIsRejectedAndChangesNothing() {
        CommandResult stale = applier.apply(new Proposal(1, new RegionEpoch(1, 0),
                new Command.Put(Key.of("c"), new byte[] {1})), 1);
        CommandResult foreign = apply(2, new Command.Put(Key.of("z"), new byte[] {1}));
        applier.flush();
        assertInstanceOf(RegionException.EpochNotMatch.class, ((CommandResult.Rejected) stale).error());
        assertInstanceOf(RegionException.KeyNotInRegion.class, ((CommandResult.Rejected) foreign).error());
        assertNull(read("c"));
        assertNull(read("z"));
        assertEquals(2, stored(1).appliedIndex(), "a rejected entry is still consumed, on every replica alike");
    }

    @Test
    void splitShrinksTheParentAndRecordsTheChildWithoutMovingData() {
        apply(1, new Command.Put(Key.of("c"), new byte[] {1}));
        apply(2, new Command.Put(Key.of("p"), new byte[] {2}));
        var changed = assertInstanceOf(CommandResult.RegionChanged.class,
                apply(3, new Command.Split(Key.of("m"), 9, List.of(91L, 92L, 93L))));
        assertTrue(applier.needsFlush());
        CommandApplier.FlushOutcome outcome = applier.flush();
        assertEquals(new KeyRange(Key.of("b"), Key.of("m")), changed.left().range());
        assertEquals(new KeyRange(Key.of("m"), Key.of("y")), changed.right().range());
        assertEquals(new RegionEpoch(1, 2), changed.left().epoch());
        assertEquals(new RegionEpoch(1, 2), changed.right().epoch());
        assertEquals(List.of(Peer.voter(91, 1), Peer.voter(92, 2), Peer.voter(93, 3)), changed.right().peers());
        assertEquals(changed.left(), stored(1).region());
        assertEquals(3, stored(1).appliedIndex());
        RegionState child = stored(9);
        assertEquals(changed.right(), child.region());
        assertEquals(91, child.peerId());
        assertEquals(List.of(new CommandApplier.CreatedRegion(child, 3)), outcome.createdRegions());
        assertArrayEquals(new byte[] {2}, read("p"), "data stays where it is");
        // A write routed with the pre-split epoch is now refused.
        CommandResult late = applier.apply(new Proposal(1, EPOCH, new Command.Put(Key.of("c"), new byte[] {7})), 4);
        assertInstanceOf(CommandResult.Rejected.class, late);
    }

    @Test
    void changingPeersBumpsConfVersionAndARemovedReplicaDropsItsData() {
        apply(1, new Command.Put(Key.of("c"), new byte[] {1}));
        apply(2, new Command.ChangePeers(List.of(Peer.voter(1, 1), Peer.voter(2, 2), Peer.voter(3, 3),
                Peer.learner(4, 4))));
        applier.flush();
        assertEquals(new RegionEpoch(2, 1), stored(1).region().epoch());
        assertFalse(stored(1).tombstone());
        apply(3, new Command.ChangePeers(List.of(Peer.voter(2, 2), Peer.voter(3, 3), Peer.voter(4, 4))));
        CommandApplier.FlushOutcome outcome = applier.flush();
        assertTrue(outcome.state().tombstone());
        assertEquals(new RegionEpoch(3, 1), stored(1).region().epoch());
        assertNull(read("c"));
    }

    /**
     * A replica added later (peer 4 on store 4) replays the log from the region's initial descriptor: it applies
     * the same data, but neither a split from before it joined nor a membership change that did not involve it
     * may create a child or retire it.
     */
    @Test
    void aReplicaReplayingFromBeforeItJoinedAppliesDataButNeitherSplitsOffNorRetires() {
        CommandApplier late = new CommandApplier(engine, RegionState.fresh(REGION, 4));
        late.apply(new Proposal(1, EPOCH, new Command.Put(Key.of("c"), new byte[] {1})), 1);
        late.apply(new Proposal(1, EPOCH, new Command.Split(Key.of("m"), 9, List.of(91L, 92L, 93L))), 2);
        CommandApplier.FlushOutcome split = late.flush();
        assertEquals(List.of(), split.createdRegions(), "no child for a replica that was not in the parent");
        assertNull(stored(9));
        Region left = split.state().region();
        late.apply(new Proposal(1, left.epoch(), new Command.ChangePeers(List.of(Peer.voter(1, 1),
                Peer.voter(2, 2)))), 3);
        CommandApplier.FlushOutcome shrunk = late.flush();
        assertFalse(shrunk.state().tombstone(), "a replica that was never a member is not removed");
        late.apply(new Proposal(1, shrunk.state().region().epoch(), new Command.ChangePeers(List.of(
                Peer.voter(1, 1), Peer.voter(2, 2), Peer.learner(4, 4)))), 4);
        CommandApplier.FlushOutcome joined = late.flush();
        assertTrue(joined.state().isMember());
        assertArrayEquals(new byte[] {1}, read("c"));
        assertEquals(REGION, stored(1).initialRegion());
    }
}
