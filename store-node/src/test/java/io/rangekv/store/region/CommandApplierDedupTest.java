package io.rangekv.store.region;

import io.rangekv.config.Settings;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.store.command.ClientWrites;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.Engines;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.raft.RegionSnapshotFile;
import io.rangekv.store.raft.RegionStateCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Range-safety hazard 8: a write the SDK retries after an unknown outcome must take effect at most once. The
 * region's replicated state remembers which client mutations it applied ({@link DedupTable}), through flushes,
 * restarts, splits, merges and RaftSnapshots.
 */
class CommandApplierDedupTest {
    private static final RegionEpoch EPOCH = new RegionEpoch(1, 1);
    private static final List<Peer> PEERS = List.of(Peer.voter(1, 1), Peer.voter(2, 2), Peer.voter(3, 3));
    private static final Region REGION = new Region(1, new KeyRange(Key.of("b"), Key.of("y")), EPOCH, PEERS);
    private static final long CLIENT_A = 0xA11CEL;
    private static final long CLIENT_B = 0xB0BL;
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private Engine engine;
    private CommandApplier applier;
    private long index;

    private static Engine open(Path dir) {
        return Engines.open(EngineConfig.from(new Settings(Map.of("engine.kind", "rocksdb")), dir));
    }

    @BeforeEach
    void setUp() {
        engine = open(dir.resolve("engine"));
        applier = new CommandApplier(engine, RegionState.fresh(REGION, 1));
    }

    @AfterEach
    void tearDown() {
        engine.close();
    }

    private static ClientWrites ids(long client, long lowestUnanswered, long at, long... seqs) {
        return new ClientWrites(client, seqs, lowestUnanswered, at);
    }

    /** put(key, value) as client {@code client}'s write {@code seq}, applied at the next index. */
    private static CommandResult put(CommandApplier on, long index, String key, String value, long client, long seq) {
        return on.apply(new Proposal(on.state().region().regionId(), on.state().region().epoch(),
                new Command.Put(Key.of(key), value.getBytes()), ids(client, seq, T0, seq)), index);
    }

    private CommandResult put(String key, String value, long client, long seq) {
        return put(applier, ++index, key, value, client, seq);
    }

    private String read(Engine from, String key) {
        byte[] raw = from.get(Keys.data(Key.of(key)));
        return raw == null ? null : new String(raw);
    }

    private String read(String key) {
        return read(engine, key);
    }

    @Test
    void aRetriedPutAppliesOnceSoReadersNeverSeeV1V2V1() {
        // Within one batch of entries, and across flushes.
        put("k", "v1", CLIENT_A, 7);
        put("k", "v2", CLIENT_B, 1);
        CommandResult retry = put("k", "v1", CLIENT_A, 7);
        applier.flush();
        assertSame(CommandResult.DONE, retry, "a duplicate answers as the first copy did");
        assertEquals("v2", read("k"));

        put("j", "v1", CLIENT_A, 8);
        applier.flush();
        put("j", "v2", CLIENT_B, 2);
        applier.flush();
        put("j", "v1", CLIENT_A, 8);
        applier.flush();
        assertEquals("v2", read("j"));
        assertEquals(index, RegionStateCodec.decode(engine.get(Keys.regionState(1))).appliedIndex(),
                "a skipped duplicate is still consumed");

        // The old behaviour, still what an entry without ids gets: the retry writes v1 again.
        applier.apply(new Proposal(1, EPOCH, new Command.Put(Key.of("m"), "v1".getBytes())), ++index);
        put("m", "v2", CLIENT_B, 3);
        applier.apply(new Proposal(1, EPOCH, new Command.Put(Key.of("m"), "v1".getBytes())), ++index);
        applier.flush();
        assertEquals("v1", read("m"));
    }

    @Test
    void deletesAndBatchesApplyOnceToo() {
        put("k", "v1", CLIENT_B, 1);
        applier.apply(new Proposal(1, EPOCH, new Command.Delete(Key.of("k")), ids(CLIENT_A, 5, T0, 5)), ++index);
        put("k", "v2", CLIENT_B, 2);
        applier.apply(new Proposal(1, EPOCH, new Command.Delete(Key.of("k")), ids(CLIENT_A, 5, T0, 5)), ++index);
        applier.flush();
        assertEquals("v2", read("k"), "the retried delete must not remove the later put");

        // A coalesced batch whose outcome was unknown is regrouped with a new put: only the new one applies.
        applier.apply(new Proposal(1, EPOCH, new Command.Batch(List.of(
                new Command.Put(Key.of("c"), "a1".getBytes()), new Command.Put(Key.of("d"), "a1".getBytes()))),
                ids(CLIENT_A, 6, T0, 6, 7)), ++index);
        put("c", "b1", CLIENT_B, 3);
        applier.apply(new Proposal(1, EPOCH, new Command.Batch(List.of(
                new Command.Put(Key.of("e"), "a2".getBytes()), new Command.Put(Key.of("c"), "a1".getBytes()))),
                ids(CLIENT_A, 6, T0, 9, 6)), ++index);
        applier.flush();
        assertEquals("b1", read("c"));
        assertEquals("a1", read("d"));
        assertEquals("a2", read("e"));
    }

    @Test
    void aLateCopyBelowTheLowestUnansweredIsNotAppliedAndTheTableForgetsIt() throws Exception {
        put("k", "v1", CLIENT_A, 3);
        // The client had its answer for 3 and moved on: its next write says nothing below 4 awaits an answer.
        applier.apply(new Proposal(1, EPOCH, new Command.Put(Key.of("q"), "x".getBytes()), ids(CLIENT_A, 4, T0, 4)),
                ++index);
        put("k", "v2", CLIENT_B, 1);
        // An old attempt of 3 (or of 2, which some other region applied) arrives late.
        put("k", "v1", CLIENT_A, 3);
        put("k", "v0", CLIENT_A, 2);
        applier.flush();
        assertEquals("v2", read("k"));
        var record = io.rangekv.proto.gen.CommandProto.DedupRecord.parseFrom(
                engine.get(Keys.dedup(1, CLIENT_A)));
        assertEquals(4, record.getFloor());
        assertEquals(List.of(4L, 5L), record.getAppliedList(), "only seq 4 is remembered by number");
    }

    @Test
    void aClientSilentLongerThanTheExpiryIsForgottenByTheEntriesStampsNotTheApplierClock() {
        put("k", "v1", CLIENT_A, 3);
        applier.apply(new Proposal(1, EPOCH, new Command.Put(Key.of("x1"), "x".getBytes()),
                ids(CLIENT_B, 1, T0 + DedupTable.EXPIRY_MS - 1, 1)), ++index);
        assertTrue(applier.dedup().hasApplied(CLIENT_A, 3), "just inside the expiry");
        applier.apply(new Proposal(1, EPOCH, new Command.Put(Key.of("x1"), "x".getBytes()),
                ids(CLIENT_B, 2, T0 + DedupTable.EXPIRY_MS + 1, 2)), ++index);
        applier.flush();
        assertFalse(applier.dedup().hasApplied(CLIENT_A, 3), "client A said nothing for longer than the expiry");
        assertEquals(1, applier.dedup().size());
        CommandApplier reloaded = new CommandApplier(engine, applier.state());
        assertFalse(reloaded.dedup().hasApplied(CLIENT_A, 3), "the same answer after a reload");
        assertTrue(reloaded.dedup().hasApplied(CLIENT_B, 2));
    }

    @Test
    void theTableSurvivesARestart() {
        put("k", "v1", CLIENT_A, 7);
        put("k", "v2", CLIENT_B, 1);
        applier.flush();
        RegionState stored = RegionStateCodec.decode(engine.get(Keys.regionState(1)));
        engine.close();
        engine = open(dir.resolve("engine"));
        CommandApplier restarted = new CommandApplier(engine, stored);
        put(restarted, ++index, "k", "v1", CLIENT_A, 7);
        restarted.flush();
        assertEquals("v2", read("k"));
    }

    @Test
    void aCompareAndPutMidBatchWritesTheRecordsWithTheDataTheyCover() {
        put("k", "v1", CLIENT_A, 7);
        // The compare-and-put flushes the batch so far before reading: the record must go with that data.
        applier.apply(new Proposal(1, EPOCH, new Command.CompareAndPut(Key.of("c"), null, "x".getBytes())),
                ++index);
        CommandApplier crashedHere = new CommandApplier(engine, RegionStateCodec.decode(
                engine.get(Keys.regionState(1))));
        assertEquals("v1", read("k"));
        assertTrue(crashedHere.dedup().hasApplied(CLIENT_A, 7));
    }

    @Test
    void aRetryLandingOnTheSplitChildIsDeduplicated() {
        put("p", "v1", CLIENT_A, 7);
        put("p", "v2", CLIENT_B, 1);
        applier.apply(new Proposal(1, EPOCH, new Command.Split(Key.of("m"), 9, List.of(91L, 92L, 93L))), ++index);
        CommandApplier.FlushOutcome outcome = applier.flush();
        RegionState childState = outcome.createdRegions().get(0).state();
        CommandApplier child = new CommandApplier(engine, childState.seeded(1));
        // The SDK re-routes the retry to the child, which owns "p" now.
        put(child, 2, "p", "v1", CLIENT_A, 7);
        child.flush();
        assertEquals("v2", read("p"));
        assertTrue(applier.dedup().hasApplied(CLIENT_A, 7), "the parent keeps its copy");
    }

    @Test
    void aRetryLandingOnTheMergedRegionIsDeduplicated() {
        Region target = new Region(1, new KeyRange(Key.of("a"), Key.of("m")), new RegionEpoch(2, 3), PEERS);
        Region source = new Region(7, new KeyRange(Key.of("m"), Key.EMPTY), new RegionEpoch(1, 5),
                List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3)));
        CommandApplier t = new CommandApplier(engine, RegionState.fresh(target, 1), Duration.ofMillis(200));
        CommandApplier s = new CommandApplier(engine, RegionState.fresh(source, 11), Duration.ofMillis(200));
        put(s, 1, "p", "v1", CLIENT_A, 7);
        put(s, 2, "p", "v2", CLIENT_B, 1);
        // Client A's seq 7 is still unanswered when the target applies its seq 9.
        t.apply(new Proposal(1, target.epoch(), new Command.Put(Key.of("c"), "w1".getBytes()),
                ids(CLIENT_A, 7, T0, 9)), 1);
        s.apply(new Proposal(7, source.epoch(), new Command.PrepareMerge(1)), 3);
        s.flush();
        t.apply(new Proposal(1, target.epoch(), new Command.CommitMerge(source)), 2);
        t.flush();
        Region merged = t.state().region();
        assertTrue(merged.contains(Key.of("p")));
        t.apply(new Proposal(1, merged.epoch(), new Command.Put(Key.of("p"), "v1".getBytes()),
                ids(CLIENT_A, 7, T0, 7)), 3);
        t.apply(new Proposal(1, merged.epoch(), new Command.Put(Key.of("c"), "w0".getBytes()),
                ids(CLIENT_A, 7, T0, 9)), 4);
        t.flush();
        assertEquals("v2", read("p"), "the source's memory is the merged region's");
        assertEquals("w1", read("c"), "and the target's own is kept");
        assertTrue(new CommandApplier(engine, t.state()).dedup().hasApplied(CLIENT_A, 7), "and stored");
    }

    @Test
    void aRaftSnapshotCarriesTheTable() throws IOException {
        put("k", "v1", CLIENT_A, 7);
        put("k", "v2", CLIENT_B, 1);
        applier.flush();
        Path file = dir.resolve(RegionSnapshotFile.FILE_NAME);
        RegionSnapshotFile.write(file, applier.state(), engine);
        try (Engine other = open(dir.resolve("other"))) {
            // A lagging replica that already holds a record of its own for this region: the install replaces it.
            CommandApplier lagging = new CommandApplier(other, RegionState.fresh(REGION, 2));
            put(lagging, 1, "x", "stale", CLIENT_B, 40);
            lagging.flush();
            RegionSnapshotFile.Loaded loaded = RegionSnapshotFile.read(file);
            other.write(loaded.batch());
            lagging.reset(loaded.state());
            assertEquals("v2", read(other, "k"));
            put(lagging, index + 1, "k", "v1", CLIENT_A, 7);
            lagging.flush();
            assertEquals("v2", read(other, "k"), "the retry is a duplicate on the installed replica too");
            assertFalse(lagging.dedup().hasApplied(CLIENT_B, 40), "its own records went with the install");
        }
    }

    @Test
    void aFormatOneSnapshotStillLoadsWithAnEmptyTable() throws IOException {
        RegionState state = new RegionState(REGION, 17, 1, false, REGION);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x524b5653);
        out.writeInt(1);
        byte[] stateBytes = RegionStateCodec.encode(state);
        out.writeInt(stateBytes.length);
        out.write(stateBytes);
        out.writeInt(1);
        out.write('c');
        out.writeInt(2);
        out.write(new byte[] {'v', '1'});
        out.writeInt(-1);
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        Path file = dir.resolve("v1.data");
        Files.write(file, bytes.toByteArray());
        assertEquals(state, RegionSnapshotFile.readState(file));
        RegionSnapshotFile.Loaded loaded = RegionSnapshotFile.read(file);
        engine.write(loaded.batch());
        assertEquals("v1", read("c"));
        applier.reset(loaded.state());
        assertEquals(0, applier.dedup().size());
    }

    @Test
    void aMismatchedIdListIsRejectedOnEveryReplicaAlike() {
        CommandResult result = applier.apply(new Proposal(1, EPOCH, new Command.Batch(List.of(
                new Command.Put(Key.of("c"), "x".getBytes()))), ids(CLIENT_A, 1, T0, 1, 2)), ++index);
        applier.flush();
        assertInstanceOf(CommandResult.Rejected.class, result);
        assertNull(read("c"));
    }
}
