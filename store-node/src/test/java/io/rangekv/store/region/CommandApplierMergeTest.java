package io.rangekv.store.region;

import io.rangekv.config.Settings;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merge through the log: the source freezes, the target takes it over, or the source thaws. */
class CommandApplierMergeTest {
    private static final List<Peer> PEERS = List.of(Peer.voter(1, 1), Peer.voter(2, 2), Peer.voter(3, 3));
    private static final List<Peer> SOURCE_PEERS = List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3));
    /** Target [a, m) at version 3; source [m, ∞) at version 5: the merged region must be at version 6. */
    private static final Region TARGET = new Region(1, new KeyRange(Key.of("a"), Key.of("m")),
            new RegionEpoch(2, 3), PEERS);
    private static final Region SOURCE = new Region(7, new KeyRange(Key.of("m"), Key.EMPTY),
            new RegionEpoch(1, 5), SOURCE_PEERS);

    @TempDir
    Path dir;
    private Engine engine;
    private CommandApplier target;
    private CommandApplier source;

    @BeforeEach
    void setUp() {
        engine = Engines.open(EngineConfig.from(new Settings(Map.of("engine.kind", "memory")), dir));
        target = new CommandApplier(engine, RegionState.fresh(TARGET, 1), Duration.ofMillis(200));
        source = new CommandApplier(engine, RegionState.fresh(SOURCE, 11), Duration.ofMillis(200));
    }

    @AfterEach
    void tearDown() {
        engine.close();
    }

    private static CommandResult apply(CommandApplier applier, long index, Command command) {
        return applier.apply(new Proposal(applier.state().region().regionId(), applier.state().region().epoch(),
                command), index);
    }

    @Test
    void aFrozenSourceAppliesNoWriteAndTheTargetTakesOverItsKeysWithTheirData() {
        apply(source, 1, new Command.Put(Key.of("p"), new byte[] {1}));
        apply(source, 2, new Command.PrepareMerge(TARGET.regionId()));
        CommandResult late = apply(source, 3, new Command.Put(Key.of("q"), new byte[] {2}));
        CommandResult split = apply(source, 4, new Command.Split(Key.of("x"), 9, List.of(21L, 22L, 23L)));
        source.flush();
        assertInstanceOf(RetryableException.class, ((CommandResult.Rejected) late).error(),
                "a write after the freeze is refused on every replica alike");
        assertInstanceOf(CommandResult.Rejected.class, split);
        assertTrue(source.state().isMerging());
        assertEquals(4, source.state().appliedIndex(), "rejected entries still advance the applied index");

        CommandResult merged = apply(target, 1, new Command.CommitMerge(SOURCE));
        CommandApplier.FlushOutcome outcome = target.flush();

        Region region = ((CommandResult.RegionChanged) merged).left();
        assertEquals(new KeyRange(Key.of("a"), Key.EMPTY), region.range());
        assertEquals(new RegionEpoch(2, 6), region.epoch(), "version above both; conf version unchanged");
        assertEquals(PEERS, region.peers());
        assertEquals(List.of(SOURCE.regionId()), outcome.mergedSourceIds());
        assertTrue(region.contains(Key.of("p")));
        assertArrayEquals(new byte[] {1}, engine.get(Keys.data(Key.of("p"))), "the source's data stays in place");
        assertEquals(null, engine.get(Keys.data(Key.of("q"))));
    }

    @Test
    void aSourceOnTheLeftSideMergesToo() {
        Region left = new Region(8, new KeyRange(Key.EMPTY, Key.of("a")), new RegionEpoch(1, 1),
                List.of(Peer.voter(31, 1), Peer.voter(32, 2), Peer.voter(33, 3)));
        CommandApplier leftSource = new CommandApplier(engine, RegionState.fresh(left, 31));
        apply(leftSource, 1, new Command.PrepareMerge(TARGET.regionId()));
        leftSource.flush();
        Region merged = ((CommandResult.RegionChanged) apply(target, 1, new Command.CommitMerge(left))).left();
        assertEquals(new KeyRange(Key.EMPTY, Key.of("m")), merged.range());
        assertEquals(4, merged.epoch().version());
    }

    @Test
    void commitFailsTheReplicaWhenItsStoreHasNoFrozenSource() {
        // Not frozen here: this replica would serve the source's keys without their data.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> apply(target, 1, new Command.CommitMerge(SOURCE)));
        assertTrue(e.getMessage().contains("not frozen"), e.getMessage());
    }

    @Test
    void commitOfARegionThatIsNotAdjacentIsRejected() {
        Region far = new Region(9, new KeyRange(Key.of("n"), Key.of("z")), new RegionEpoch(1, 1), SOURCE_PEERS);
        CommandResult result = apply(target, 1, new Command.CommitMerge(far));
        assertInstanceOf(RequestException.class, ((CommandResult.Rejected) result).error());
        assertEquals(TARGET.range(), target.state().region().range());
    }

    @Test
    void commitAtAStaleTargetEpochIsRejectedSoARolledBackMergeNeverLands() {
        apply(source, 1, new Command.PrepareMerge(TARGET.regionId()));
        source.flush();
        CommandResult result = target.apply(new Proposal(TARGET.regionId(), new RegionEpoch(2, 2),
                new Command.CommitMerge(SOURCE)), 1);
        assertInstanceOf(CommandResult.Rejected.class, result);
        assertEquals(TARGET.range(), target.state().region().range());
    }

    @Test
    void rollbackThawsTheSourceAtANewVersion() {
        apply(source, 1, new Command.PrepareMerge(TARGET.regionId()));
        CommandResult thawed = apply(source, 2, new Command.RollbackMerge());
        source.flush();
        assertFalse(source.state().isMerging());
        assertEquals(6, ((CommandResult.RegionChanged) thawed).left().epoch().version());
        CommandResult write = apply(source, 3, new Command.Put(Key.of("p"), new byte[] {3}));
        source.flush();
        assertEquals(CommandResult.DONE, write);
        assertArrayEquals(new byte[] {3}, engine.get(Keys.data(Key.of("p"))));
        CommandResult again = apply(source, 4, new Command.RollbackMerge());
        assertInstanceOf(CommandResult.Rejected.class, again, "nothing to roll back");
    }

    @Test
    void aRegionWithALearnerCannotFreeze() {
        Region withLearner = SOURCE.withPeers(List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.learner(14, 4)),
                SOURCE.epoch());
        CommandApplier applier = new CommandApplier(engine, RegionState.fresh(withLearner, 11));
        assertInstanceOf(CommandResult.Rejected.class, apply(applier, 1, new Command.PrepareMerge(1)));
        assertFalse(applier.state().isMerging());
    }
}
