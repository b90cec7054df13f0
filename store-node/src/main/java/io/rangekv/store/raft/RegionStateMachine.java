package io.rangekv.store.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.LeaderChangeContext;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RaftException;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.ReplicaFatalException;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Region;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineSnapshot;
import io.rangekv.store.region.ApplyStats;
import io.rangekv.store.region.CommandApplier;
import io.rangekv.store.region.RegionHash;
import io.rangekv.store.region.RegionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Raft state machine of one region replica: applies committed entries into the store's engine.
 *
 * <pre>
 *   library FSM thread:  onApply(entries) ──► CommandApplier (one WriteBatch + applied index) ──► Engine
 *                                         └─► proposal closures completed after the batch is written
 * </pre>
 *
 * <p><b>Concurrency</b>: every callback runs on the library's FSM caller thread for this group, one at a time.
 * Snapshot files are written on the store's snapshot executor from an EngineSnapshot, so apply is not held up.
 * <p><b>Ordering</b>: entries at or below the applied index recorded in the engine were applied before a restart
 * and are skipped (counted in {@link #replayedEntriesSkipped()}), so nothing is applied twice. Proposers learn the
 * result only after the batch holding their entry is in the engine.
 * <p><b>Failure</b>: no exception escapes into the library (an escaped exception stalls its apply pipeline). A
 * failure rolls the iterator back to the last written batch, sets the library's error (which stops this replica)
 * and tells the owner; an entry is never skipped.
 */
public final class RegionStateMachine extends StateMachineAdapter implements ApplyStats {
    private static final Logger LOG = LoggerFactory.getLogger(RegionStateMachine.class);

    private final Engine engine;
    private final CommandApplier applier;
    private final ApplyListener listener;
    private final Executor snapshotExecutor;
    private final long appliedIndexAtStart;
    private final AtomicLong replayedSkipped = new AtomicLong();
    private final AtomicLong appliedSinceStart = new AtomicLong();
    private final AtomicLong snapshotsInstalled = new AtomicLong();
    private volatile long firstIndexApplied;
    private volatile long appliedIndex;
    /**
     * The conf version of the region as the latest RaftSnapshot saved or loaded here describes it; -1 while none is
     * known. A leader whose region has moved past it has members its latest RaftSnapshot does not list.
     */
    private volatile long snapshotConfVersion = -1;
    /** Runs each time this replica becomes the leader, after the listener. */
    private volatile Runnable onEachLeaderStart = () -> { };
    /** Runs once, when this replica first hears of a leader (set only before the group starts). */
    private final AtomicReference<Runnable> onLeaderKnown = new AtomicReference<>();

    /** The other regions hosted on this store, as a RaftSnapshot install must treat them. */
    public interface Neighbours {
        /** The other hosted regions overlapping {@code range}. */
        List<Region> overlapping(KeyRange range);

        /** Stops the given replicas before returning (their keys are about to be overwritten). */
        void retireSuperseded(List<Long> regionIds);
    }

    private Neighbours neighbours = new Neighbours() {
        @Override
        public List<Region> overlapping(KeyRange range) {
            return List.of();
        }

        @Override
        public void retireSuperseded(List<Long> regionIds) {
        }
    };

    public void setNeighbours(Neighbours neighbours) {
        this.neighbours = neighbours;
    }

    /**
     * Runs {@code action} once, on the FSM thread, when the group first has a leader as this replica sees it: this
     * replica leading, or following another. Set it before the group starts.
     */
    void whenLeaderKnown(Runnable action) {
        onLeaderKnown.set(action);
    }

    /** True when the latest RaftSnapshot here describes the region at an older membership than the applied one. */
    boolean snapshotPredatesMembership() {
        return snapshotConfVersion < applier.state().region().epoch().confVersion();
    }

    /** Runs {@code action} on the FSM thread each time this replica becomes the leader; it must not block. */
    void onEachLeaderStart(Runnable action) {
        onEachLeaderStart = action;
    }

    public RegionStateMachine(Engine engine, RegionState initial, ApplyListener listener, Executor snapshotExecutor) {
        this.engine = engine;
        this.applier = new CommandApplier(engine, initial);
        this.listener = listener;
        this.snapshotExecutor = snapshotExecutor;
        this.appliedIndexAtStart = initial.appliedIndex();
        this.appliedIndex = initial.appliedIndex();
    }

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    @Override
    public long appliedIndexAtStart() {
        return appliedIndexAtStart;
    }

    @Override
    public long replayedEntriesSkipped() {
        return replayedSkipped.get();
    }

    @Override
    public long entriesAppliedSinceStart() {
        return appliedSinceStart.get();
    }

    @Override
    public long firstIndexAppliedSinceStart() {
        return firstIndexApplied;
    }

    @Override
    public long snapshotsInstalled() {
        return snapshotsInstalled.get();
    }

    @Override
    public void onApply(Iterator iter) {
        List<ProposalClosure> waiting = new ArrayList<>();
        long consumedSinceFlush = 0;
        try {
            while (iter.hasNext()) {
                long index = iter.getIndex();
                Closure done = iter.done();
                boolean flushNow = false;
                if (index <= applier.state().appliedIndex()) {
                    // Applied before a restart; the engine already holds its effects.
                    replayedSkipped.incrementAndGet();
                } else if (applier.state().awaitingSnapshot()) {
                    // The leader drops its log through the change that added this replica before adding it, so
                    // entries can only come after a RaftSnapshot. Replaying the log from an older descriptor would
                    // write old values into keys a newer region on this store owns.
                    throw new IllegalStateException("replica " + applier.state().peerId() + " of region "
                            + applier.state().region().regionId() + " was added to a running region and must start "
                            + "from a RaftSnapshot, but was sent log entry " + index + " first");
                } else {
                    Proposal proposal = CommandCodec.decode(bytesOf(iter));
                    CommandResult result = applier.apply(proposal, index);
                    if (appliedSinceStart.getAndIncrement() == 0) {
                        firstIndexApplied = index;
                    }
                    if (done instanceof ProposalClosure pc) {
                        pc.setResult(result);
                    }
                    flushNow = applier.needsFlush();
                }
                if (done instanceof ProposalClosure pc) {
                    waiting.add(pc);
                } else if (done != null) {
                    done.run(Status.OK());
                }
                iter.next();
                consumedSinceFlush++;
                if (flushNow) {
                    flushAndReply(waiting);
                    consumedSinceFlush = 0;
                }
            }
            flushAndReply(waiting);
        } catch (Throwable t) {
            // Roll back to the last written batch: the entry in progress (if any) and every one consumed since.
            long ntail = consumedSinceFlush + (iter.hasNext() ? 1 : 0);
            fail(iter, Math.max(1, ntail), waiting, t);
        }
    }

    /** Writes the pending batch, then tells the proposers: a result is reported only once it is in the engine. */
    private void flushAndReply(List<ProposalClosure> waiting) {
        CommandApplier.FlushOutcome outcome = applier.flush();
        if (outcome != null) {
            appliedIndex = outcome.state().appliedIndex();
            if (outcome.hashRequested()) {
                hashLater(outcome.state());
            }
            listener.onFlushed(outcome);
        }
        for (ProposalClosure pc : waiting) {
            pc.run(Status.OK());
        }
        waiting.clear();
    }

    /**
     * The consistency check: an EngineSnapshot taken now, right after the flush that ends with the ComputeHash
     * entry, so it holds exactly the log up to that entry; hashed on the snapshot executor, apply goes on.
     */
    private void hashLater(RegionState state) {
        EngineSnapshot view = engine.snapshot();
        Runnable hashing = () -> {
            try (view) {
                RegionHash hash = RegionHash.of(state.appliedIndex(), state.region().range(), view);
                LOG.info("region {} replica {} hashed its data at index {}: {}", state.region().regionId(),
                        state.peerId(), hash.appliedIndex(), Long.toHexString(hash.hash()));
                listener.onHashComputed(hash);
            } catch (RuntimeException e) {
                LOG.warn("region {} could not hash its data at index {}", state.region().regionId(),
                        state.appliedIndex(), e);
            }
        };
        try {
            snapshotExecutor.execute(hashing);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // A check is worth less than apply: skip this one, the next check hashes again.
            view.close();
            LOG.warn("region {} skipped the consistency hash at index {}: snapshot threads busy",
                    state.region().regionId(), state.appliedIndex());
        }
    }

    private void fail(Iterator iter, long ntail, List<ProposalClosure> waiting, Throwable cause) {
        long regionId = applier.state().region().regionId();
        LOG.error("region {} failed to apply at index {}; stopping this replica", regionId, iter.getIndex(), cause);
        ReplicaFatalException fatal = cause instanceof ReplicaFatalException rf ? rf
                : new ReplicaFatalException(ErrorKind.REPLICA_FATAL,
                        "region " + regionId + " failed to apply: " + cause, cause);
        for (ProposalClosure pc : waiting) {
            pc.future().completeExceptionally(fatal);
        }
        waiting.clear();
        try {
            iter.setErrorAndRollback(ntail, new Status(RaftError.ESTATEMACHINE,
                    "apply failed in region %d: %s", regionId, String.valueOf(cause.getMessage())));
        } finally {
            listener.onFatal(fatal);
        }
    }

    private static byte[] bytesOf(Iterator iter) {
        java.nio.ByteBuffer data = iter.getData();
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return bytes;
    }

    @Override
    public void onSnapshotSave(SnapshotWriter writer, Closure done) {
        RegionState state = applier.state();
        EngineSnapshot view;
        try {
            // The log before this point may be dropped once the snapshot is saved: make the engine durable first.
            engine.sync();
            view = engine.snapshot();
        } catch (RuntimeException e) {
            done.run(new Status(RaftError.EIO, "engine not ready for a snapshot: %s", e.getMessage()));
            return;
        }
        snapshotExecutor.execute(() -> {
            try (view) {
                Path file = Path.of(writer.getPath(), RegionSnapshotFile.FILE_NAME);
                long keys = RegionSnapshotFile.write(file, state, view);
                if (!writer.addFile(RegionSnapshotFile.FILE_NAME)) {
                    done.run(new Status(RaftError.EIO, "could not register %s", RegionSnapshotFile.FILE_NAME));
                    return;
                }
                LOG.info("region {} saved a RaftSnapshot at applied index {} ({} keys)",
                        state.region().regionId(), state.appliedIndex(), keys);
                snapshotConfVersion = state.region().epoch().confVersion();
                done.run(Status.OK());
            } catch (Exception e) {
                LOG.warn("region {} failed to save a RaftSnapshot", state.region().regionId(), e);
                done.run(new Status(RaftError.EIO, "snapshot save failed: %s", e.getMessage()));
            }
        });
    }

    /**
     * Installs a RaftSnapshot. A replica added to a running region installs only a RaftSnapshot that lists it: one
     * taken at or after the membership change that added it (an older one describes the region before this replica
     * joined). The install keeps out of newer regions hosted here and retires older ones it covers (below).
     */
    @Override
    public boolean onSnapshotLoad(SnapshotReader reader) {
        Path file = Path.of(reader.getPath(), RegionSnapshotFile.FILE_NAME);
        RegionState current = applier.state();
        long regionId = current.region().regionId();
        try {
            RegionState incoming = RegionSnapshotFile.readState(file);
            if (incoming.region().regionId() != regionId) {
                LOG.error("RaftSnapshot for region {} holds region {}", regionId, incoming.region().regionId());
                return false;
            }
            if (incoming.appliedIndex() <= current.appliedIndex()) {
                // A restart with a durable engine: it is already at or past the snapshot.
                LOG.info("region {} keeps its engine state at applied index {} (snapshot is at {})", regionId,
                        current.appliedIndex(), incoming.appliedIndex());
                snapshotConfVersion = incoming.region().epoch().confVersion();
                return true;
            }
            if (current.awaitingSnapshot() && incoming.region().peer(current.peerId()).isEmpty()) {
                LOG.error("region {}: replica {} was added to the region, but the RaftSnapshot at index {} does not "
                        + "list it ({}); it predates the change that added this replica", regionId,
                        current.peerId(), incoming.appliedIndex(), incoming.region());
                return false;
            }
            // A hosted region with a higher version is newer than the snapshot (a split child it predates, on a
            // lagging or restarting replica): its own log owns those keys, so the install keeps out of them. One
            // with a lower version whose whole range the snapshot covers is older (a merge source this replica
            // learns of by snapshot): it stops, and the snapshot's keys replace its own. One with a lower version
            // reaching beyond the snapshot is a replica still catching up (a lagging parent): its own log shrinks it.
            List<KeyRange> keepOut = new ArrayList<>();
            List<Long> superseded = new ArrayList<>();
            for (Region other : neighbours.overlapping(incoming.region().range())) {
                if (other.epoch().version() > incoming.region().epoch().version()) {
                    keepOut.add(other.range());
                } else if (incoming.region().range().covers(other.range())) {
                    superseded.add(other.regionId());
                }
            }
            RegionSnapshotFile.Loaded loaded = RegionSnapshotFile.read(file, keepOut);
            if (!keepOut.isEmpty()) {
                LOG.info("region {} installs its RaftSnapshot around newer regions hosted here: {}", regionId, keepOut);
            }
            RegionState installed = new RegionState(loaded.state().region(), loaded.state().appliedIndex(),
                    current.peerId(), loaded.state().tombstone(), loaded.state().initialRegion(),
                    loaded.state().mergingInto(), false, false);
            if (!superseded.isEmpty()) {
                LOG.info("region {} RaftSnapshot {} supersedes regions {} hosted here", regionId, incoming.region(),
                        superseded);
                neighbours.retireSuperseded(superseded);
            }
            engine.write(loaded.batch().put(io.rangekv.store.engine.Keys.regionState(regionId),
                    RegionStateCodec.encode(installed)));
            applier.reset(installed);
            appliedIndex = installed.appliedIndex();
            snapshotConfVersion = installed.region().epoch().confVersion();
            snapshotsInstalled.incrementAndGet();
            LOG.info("region {} installed a RaftSnapshot at applied index {} ({} keys)", regionId,
                    installed.appliedIndex(), loaded.keys());
            listener.onSnapshotInstalled(installed);
            return true;
        } catch (Exception e) {
            LOG.error("region {} failed to load RaftSnapshot {}", regionId, file, e);
            return false;
        }
    }

    @Override
    public void onLeaderStart(long term) {
        leaderKnown();
        listener.onLeaderStart();
        try {
            onEachLeaderStart.run();
        } catch (RuntimeException e) {
            LOG.warn("region {}: the leader-start action failed", applier.state().region().regionId(), e);
        }
    }

    @Override
    public void onStartFollowing(LeaderChangeContext context) {
        leaderKnown();
    }

    private void leaderKnown() {
        Runnable action = onLeaderKnown.getAndSet(null);
        if (action == null) {
            return;
        }
        try {
            action.run();
        } catch (RuntimeException e) {
            // Nothing may escape into the library's FSM thread; the action only tunes timers.
            LOG.warn("region {}: the first-leader action failed", applier.state().region().regionId(), e);
        }
    }

    @Override
    public void onLeaderStop(Status status) {
        listener.onLeaderStop();
    }

    @Override
    public void onError(RaftException e) {
        LOG.error("region {} raft group stopped on error: {}", applier.state().region().regionId(), e.getMessage());
        listener.onFatal(new ReplicaFatalException(ErrorKind.REPLICA_FATAL, "raft error: " + e.getMessage(), e));
    }
}
