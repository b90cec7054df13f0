package io.rangekv.store.region;

import io.rangekv.error.RegionException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.store.command.ClientWrites;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.raft.RegionStateCodec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns committed proposals of one region into engine mutations. Collects a run of entries into one
 * {@link WriteBatch} that also carries the region's state (descriptor and applied index), so data and applied index
 * always reach the engine together.
 *
 * <p><b>Concurrency</b>: confined to the region's apply thread (the Raft library's FSM caller).
 * <p><b>Ordering</b>: {@link #apply} sees entries in log order. A compare-and-put reads the engine, so the pending
 * batch is flushed first when it touches that key; an admin command (split, change peers) flushes right after itself
 * so the new shape is visible before the next entry.
 * <p><b>Retries</b>: a Put, Delete or Batch that names its client mutations ({@link ClientWrites}) applies each of
 * them at most once: the region's {@link DedupTable} remembers the seqs it applied and skips a retried copy,
 * answering {@code DONE} as the first copy did. The table's records travel in the same batch as the data.
 * <p><b>Failure</b>: apply decisions depend only on the entry and the applied state, never on clocks, config or local
 * health, so every replica decides alike. A command whose epoch or keys no longer fit is {@code Rejected} on every
 * replica. An engine failure propagates; the caller stops the replica (nothing is skipped).
 */
public final class CommandApplier {
    /** A region a split created on this store, and the log index of that split in the parent. */
    public record CreatedRegion(RegionState state, long splitIndex) {
    }

    /**
     * Regions the last flush created or changed, for the store to act on (start child groups, retire a peer, retire
     * the replica of a region merged into this one: {@code mergedSourceIds}).
     */
    public record FlushOutcome(RegionState state, List<CreatedRegion> createdRegions, boolean shapeChanged,
                               List<Long> mergedSourceIds, boolean hashRequested) {
    }

    /** How long CommitMerge waits for this store's replica of the source to be frozen before the replica fails. */
    static final java.time.Duration MERGE_SOURCE_WAIT = java.time.Duration.ofSeconds(60);

    private final Engine engine;
    private RegionState state;
    private WriteBatch pending = new WriteBatch();
    private boolean dirty;
    private boolean shapeChanged;
    /** A ComputeHash was the last entry applied: the flush after it is the point every replica hashes. */
    private boolean hashRequested;
    private final List<CreatedRegion> created = new ArrayList<>();
    private final List<Long> mergedSources = new ArrayList<>();
    private final java.time.Duration mergeSourceWait;
    private long applyingIndex;
    private final DedupTable dedup = new DedupTable();

    public CommandApplier(Engine engine, RegionState initial) {
        this(engine, initial, MERGE_SOURCE_WAIT);
    }

    CommandApplier(Engine engine, RegionState initial, java.time.Duration mergeSourceWait) {
        this.engine = engine;
        this.state = initial;
        this.mergeSourceWait = mergeSourceWait;
        dedup.load(engine, initial.region().regionId());
    }

    public RegionState state() {
        return state;
    }

    /** Replaces the state wholesale, after a RaftSnapshot was installed. Nothing may be pending. */
    public void reset(RegionState installed) {
        if (dirty) {
            throw new IllegalStateException("reset with unflushed entries");
        }
        this.state = installed;
        dedup.load(engine, installed.region().regionId());
    }

    /** The region's memory of applied client writes (tests and diagnostics). */
    public DedupTable dedup() {
        return dedup;
    }

    /** True when an admin command was just applied and the caller should flush before the next entry. */
    public boolean needsFlush() {
        return shapeChanged || hashRequested;
    }

    /** Applies the entry at {@code index}; its effects reach the engine at the next {@link #flush()}. */
    public CommandResult apply(Proposal proposal, long index) {
        Region region = state.region();
        applyingIndex = index;
        CommandResult result = check(proposal, region);
        if (result == null) {
            result = proposal.writes() != null && isDeduplicated(proposal.command())
                    ? executeOnce(proposal.command(), proposal.writes(), region)
                    : execute(proposal.command(), region);
        }
        state = state.withApplied(state.region(), index);
        dirty = true;
        return result;
    }

    /**
     * Writes everything applied since the last flush, plus the region state, in one atomic batch. Returns null when
     * nothing was applied since the last flush.
     */
    public FlushOutcome flush() {
        if (!dirty) {
            return null;
        }
        dedup.stage(pending, state.region().regionId());
        pending.put(Keys.regionState(state.region().regionId()), RegionStateCodec.encode(state));
        engine.write(pending);
        FlushOutcome outcome = new FlushOutcome(state, List.copyOf(created), shapeChanged, List.copyOf(mergedSources),
                hashRequested);
        pending = new WriteBatch();
        created.clear();
        mergedSources.clear();
        dirty = false;
        shapeChanged = false;
        hashRequested = false;
        return outcome;
    }

    private CommandResult check(Proposal proposal, Region region) {
        if (proposal.regionId() != region.regionId()) {
            return rejected(new RegionException.RegionNotFound(proposal.regionId()));
        }
        Command command = proposal.command();
        if (state.isMerging() && !(command instanceof Command.RollbackMerge)) {
            return rejected(frozen(region));
        }
        boolean versionMatches = proposal.epoch().version() == region.epoch().version();
        boolean confMatches = proposal.epoch().confVersion() == region.epoch().confVersion();
        // Shape changes need the exact epoch; data commands only the key layout (version).
        boolean fits = command.isAdmin() ? versionMatches && confMatches : versionMatches;
        if (!fits) {
            return rejected(new RegionException.EpochNotMatch(region.regionId(), List.of(region),
                    "proposed at epoch " + proposal.epoch() + ", region is at " + region.epoch()));
        }
        for (Key key : keysOf(command)) {
            if (!region.contains(key)) {
                return rejected(new RegionException.KeyNotInRegion(key, region));
            }
        }
        if (command instanceof Command.DeleteRange dr && !region.range().covers(dr.range())) {
            return rejected(new RegionException.KeyNotInRegion(dr.range().start(), region));
        }
        return null;
    }

    private CommandResult execute(Command command, Region region) {
        if (command instanceof Command.Put p) {
            pending.put(Keys.data(p.key()), p.value());
        } else if (command instanceof Command.Delete d) {
            pending.delete(Keys.data(d.key()));
        } else if (command instanceof Command.Batch b) {
            for (Command.Mutation m : b.mutations()) {
                execute(m, region);
            }
        } else if (command instanceof Command.DeleteRange dr) {
            pending.deleteRange(Keys.dataStart(dr.range()), Keys.dataEnd(dr.range()));
        } else if (command instanceof Command.CompareAndPut cas) {
            return compareAndPut(cas);
        } else if (command instanceof Command.Split split) {
            return split(split, region);
        } else if (command instanceof Command.ChangePeers change) {
            return changePeers(change, region);
        } else if (command instanceof Command.PrepareMerge prepare) {
            return prepareMerge(prepare, region);
        } else if (command instanceof Command.CommitMerge commit) {
            return commitMerge(commit, region);
        } else if (command instanceof Command.RollbackMerge) {
            return rollbackMerge(region);
        } else if (command instanceof Command.ComputeHash) {
            hashRequested = true;
        }
        return CommandResult.DONE;
    }

    private static io.rangekv.error.KvException frozen(Region region) {
        return io.rangekv.error.RetryableException.serverBusy(java.time.Duration.ofMillis(50),
                "region " + region.regionId() + " is frozen for a merge");
    }

    private CommandResult prepareMerge(Command.PrepareMerge prepare, Region region) {
        if (prepare.targetRegionId() == region.regionId() || region.peers().stream().anyMatch(p -> !p.isVoter())) {
            return rejected(io.rangekv.error.RequestException.invalidArgument("region " + region.regionId()
                    + " cannot merge into " + prepare.targetRegionId() + " (self, or it has learners)"));
        }
        state = state.withMergingInto(region, prepare.targetRegionId());
        shapeChanged = true;
        return new CommandResult.RegionChanged(region, null);
    }

    private CommandResult rollbackMerge(Region region) {
        if (!state.isMerging()) {
            return rejected(io.rangekv.error.RequestException.invalidArgument(
                    "region " + region.regionId() + " is not frozen for a merge"));
        }
        // A new version: any request or instruction routed while frozen is judged against the thawed region.
        Region thawed = region.withRange(region.range(), region.epoch().withNextVersion());
        state = state.withApplied(thawed, state.appliedIndex()).withMergingInto(thawed, 0);
        shapeChanged = true;
        return new CommandResult.RegionChanged(thawed, null);
    }

    /**
     * Takes over the adjacent source region. Its data is already in this engine, frozen by PrepareMerge on this
     * store's source replica; the PD commits only once every such replica reported frozen, so the wait below is
     * for a store that restarted meanwhile and is replaying the source's log. A replica whose store never hosted
     * the frozen source (it could only be one that replays this entry from scratch) fails rather than serve a
     * range without its data.
     */
    private CommandResult commitMerge(Command.CommitMerge commit, Region region) {
        Region source = commit.source();
        java.util.Optional<KeyRange> joined = region.range().joinWith(source.range());
        if (joined.isEmpty() || source.regionId() == region.regionId()) {
            return rejected(io.rangekv.error.RequestException.invalidArgument("region " + source.regionId() + " "
                    + source.range() + " is not adjacent to region " + region.regionId() + " " + region.range()));
        }
        awaitFrozenSource(source, region.regionId());
        // The source is frozen, so its records are final: a write it applied and that is retried now lands here.
        dedup.absorb(engine, source.regionId());
        long version = Math.max(region.epoch().version(), source.epoch().version()) + 1;
        Region merged = region.withRange(joined.get(),
                new io.rangekv.meta.RegionEpoch(region.epoch().confVersion(), version));
        state = state.withApplied(merged, state.appliedIndex());
        mergedSources.add(source.regionId());
        shapeChanged = true;
        return new CommandResult.RegionChanged(merged, null);
    }

    private void awaitFrozenSource(Region source, long targetId) {
        long deadline = System.nanoTime() + mergeSourceWait.toNanos();
        while (true) {
            byte[] raw = engine.get(Keys.regionState(source.regionId()));
            RegionState local = raw == null ? null : RegionStateCodec.decode(raw);
            if (local != null && !local.tombstone() && local.mergingInto() == targetId
                    && local.region().epoch().equals(source.epoch()) && local.region().range().equals(source.range())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("merge of region " + source.regionId() + " into " + targetId
                        + ": this store's replica of the source is not frozen as " + source + " (found "
                        + (local == null ? "none" : local.region() + " merging into " + local.mergingInto())
                        + "); this replica needs a RaftSnapshot of the merged region");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for merge source " + source.regionId(), e);
            }
        }
    }

    private CommandResult compareAndPut(Command.CompareAndPut cas) {
        // The engine must reflect earlier entries of this batch before we read it.
        if (!pending.isEmpty()) {
            writePendingDataOnly();
        }
        byte[] current = engine.get(Keys.data(cas.key()));
        boolean matches = cas.expected() == null ? current == null : Arrays.equals(current, cas.expected());
        if (matches) {
            pending.put(Keys.data(cas.key()), cas.value());
        }
        return new CommandResult.CasOutcome(matches, current);
    }

    /**
     * Writes pending data together with the state as of the entry before this one, so that the engine never holds
     * data past its recorded applied index.
     */
    private void writePendingDataOnly() {
        // The entry being applied (a compare-and-put) carries no client writes: the table is as of the one before.
        dedup.stage(pending, state.region().regionId());
        pending.put(Keys.regionState(state.region().regionId()), RegionStateCodec.encode(state));
        engine.write(pending);
        pending = new WriteBatch();
    }

    private CommandResult split(Command.Split split, Region region) {
        if (!region.range().isStrictlyInside(split.splitKey())) {
            return rejected(new RegionException.KeyNotInRegion(split.splitKey(), region));
        }
        if (split.newPeerIds().size() != region.peers().size()) {
            return rejected(new RegionException.EpochNotMatch(region.regionId(), List.of(region),
                    "split names " + split.newPeerIds().size() + " peers, region has " + region.peers().size()));
        }
        Region left = region.withRange(region.range().leftOf(split.splitKey()), region.epoch().withNextVersion());
        List<Peer> rightPeers = new ArrayList<>();
        long ourRightPeerId = 0;
        for (int i = 0; i < region.peers().size(); i++) {
            Peer p = region.peers().get(i);
            Peer q = new Peer(split.newPeerIds().get(i), p.storeId(), p.role());
            rightPeers.add(q);
            if (p.peerId() == state.peerId()) {
                ourRightPeerId = q.peerId();
            }
        }
        Region right = new Region(split.newRegionId(), region.range().rightOf(split.splitKey()), left.epoch(),
                rightPeers);
        // A replica that joined the region after this split (and is replaying it) is not in the child.
        if (state.isMember()) {
            RegionState child = RegionState.splitChild(right, ourRightPeerId);
            pending.put(Keys.regionState(right.regionId()), RegionStateCodec.encode(child));
            // A write applied here and retried after the split may land on the child: it must remember it too.
            dedup.copyTo(pending, right.regionId());
            created.add(new CreatedRegion(child, applyingIndex));
        }
        state = state.withApplied(left, state.appliedIndex());
        shapeChanged = true;
        return new CommandResult.RegionChanged(left, right);
    }

    private CommandResult changePeers(Command.ChangePeers change, Region region) {
        Region changed = region.withPeers(change.peers(), region.epoch().withNextConfVersion());
        // Only a member can be removed: a replica replaying entries from before it joined is not in either list.
        boolean removed = state.isMember() && changed.peer(state.peerId()).isEmpty();
        if (removed) {
            // This replica leaves the region: its data range is no longer ours to keep.
            KeyRange range = region.range();
            pending.deleteRange(Keys.dataStart(range), Keys.dataEnd(range));
        }
        state = new RegionState(changed, state.appliedIndex(), state.peerId(), removed, state.initialRegion(),
                state.mergingInto(), state.awaitingSnapshot(), state.seedPending());
        shapeChanged = true;
        return new CommandResult.RegionChanged(changed, null);
    }

    private static boolean isDeduplicated(Command command) {
        return command instanceof Command.Mutation || command instanceof Command.Batch;
    }

    /**
     * Applies the mutations of {@code command} that {@code writes}' client has not had applied here yet; a retried
     * copy of a request applied before writes nothing and answers {@code DONE}, as the first copy did. Each mutation
     * is judged alone (a retried batch may have been regrouped with other mutations, or split across regions).
     */
    private CommandResult executeOnce(Command command, ClientWrites writes, Region region) {
        List<Command.Mutation> mutations = command instanceof Command.Batch b ? b.mutations()
                : List.of((Command.Mutation) command);
        if (writes.count() != mutations.size()) {
            return rejected(io.rangekv.error.RequestException.invalidArgument("a write names " + writes.count()
                    + " sequence numbers for " + mutations.size() + " mutations"));
        }
        // The client has its answers below lowestUnanswered; its own seqs are unanswered, so never above them.
        DedupTable.Client client = dedup.admit(writes.clientId(),
                Math.min(writes.lowestUnanswered(), writes.minSeq()), writes.proposedAtMillis());
        boolean[] fresh = new boolean[mutations.size()];
        for (int i = 0; i < fresh.length; i++) {
            // Judged against the table before this entry: a key named twice in one batch is written twice.
            fresh[i] = !client.hasApplied(writes.seq(i));
        }
        for (int i = 0; i < fresh.length; i++) {
            if (fresh[i]) {
                execute(mutations.get(i), region);
                client.record(writes.seq(i));
            }
        }
        return CommandResult.DONE;
    }

    private static List<Key> keysOf(Command command) {
        if (command instanceof Command.Mutation m) {
            return List.of(m.key());
        }
        if (command instanceof Command.CompareAndPut cas) {
            return List.of(cas.key());
        }
        if (command instanceof Command.Batch b) {
            return b.mutations().stream().map(Command.Mutation::key).toList();
        }
        return List.of();
    }

    private static CommandResult rejected(io.rangekv.error.KvException error) {
        return new CommandResult.Rejected(error);
    }
}
