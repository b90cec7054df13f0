package io.rangekv.store.raft;

import com.alipay.sofa.jraft.JRaftServiceFactory;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftServiceFactory;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.option.ReadOnlyOption;
import com.alipay.sofa.jraft.util.Endpoint;
import io.rangekv.error.KvException;
import io.rangekv.error.RetryableException;
import io.rangekv.meta.Peer;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.region.StoreDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@link RaftGroup} over one SOFA JRaft node (group id {@code r<regionId>}). Every library status is turned into
 * our errors here; nothing outside this package sees a JRaft type.
 *
 * <p><b>Concurrency</b>: thread-safe; never blocks except in {@link #shutdown()}. Futures complete on library
 * threads.
 */
public final class JraftRaftGroup implements RaftGroup {
    private static final Logger LOG = LoggerFactory.getLogger(JraftRaftGroup.class);
    /** How often a RaftSnapshot refused as busy (another one is being saved) is asked for again. */
    private static final int SNAPSHOT_ATTEMPTS = 50;
    /** RaftSnapshots taken at most to get the log's first index past a membership change (two suffice normally). */
    private static final int COMPACTION_ROUNDS = 8;
    private static final Duration SNAPSHOT_RETRY = Duration.ofMillis(100);
    /** How many times (one {@link #SNAPSHOT_RETRY} apart) a RaftSnapshot waits for the library to apply an index. */
    private static final int APPLY_WAITS = 100;
    /** Tries at a RaftSnapshot that lists every member, {@link #COVER_RETRY} apart, while this replica leads. */
    private static final int COVER_ATTEMPTS = 30;
    private static final Duration COVER_RETRY = Duration.ofSeconds(1);

    private final Node node;
    private final RegionStateMachine fsm;
    private final StoreDirectory directory;
    private final Supplier<KvException> notLeader;

    private JraftRaftGroup(Node node, RegionStateMachine fsm, StoreDirectory directory,
                           Supplier<KvException> notLeader) {
        this.node = node;
        this.fsm = fsm;
        this.directory = directory;
        this.notLeader = notLeader;
    }

    /** The library's group id for a region. */
    public static String groupId(long regionId) {
        return "r" + regionId;
    }

    /** The region of a library group id ({@link #groupId}); empty for one that is not ours. */
    public static java.util.Optional<Long> regionIdOf(String groupId) {
        if (groupId == null || !groupId.startsWith("r")) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Long.parseLong(groupId.substring(1)));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Starts the region's node on this store. With {@code bootstrap}, the group starts from the region's current
     * peers (a new cluster, or a split child: every replica uses the same list); without it the node starts empty
     * and waits for the leader to bring it in (a replica added to an existing region). With {@code campaign}, the
     * node campaigns after a heartbeat interval rather than an election timeout, until the group has a leader (a
     * split child on the store whose parent replica led: {@link ElectionCampaign}).
     *
     * @param notLeader builds the error for "not the leader", with the best leader hint the caller knows
     */
    public static JraftRaftGroup start(Region region, long peerId, boolean bootstrap, boolean campaign,
                                       RaftEndpoint endpoint,
                                       Path groupDir, RaftConfig config, RegionStateMachine fsm,
                                       StoreDirectory directory, JRaftServiceFactory serviceFactory,
                                       Supplier<KvException> notLeader) {
        try {
            java.nio.file.Files.createDirectories(groupDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + groupDir, e);
        }
        Configuration initial = bootstrap ? configurationOf(region, directory) : new Configuration();
        PeerId self = new PeerId(endpoint.endpoint(), raftIndexOf(peerId));
        Node node = RaftServiceFactory.createRaftNode(groupId(region.regionId()), self);
        ElectionCampaign election = campaign ? new ElectionCampaign(node, config) : null;
        if (election != null) {
            // Before init: a leader may be heard the moment the node runs.
            fsm.whenLeaderKnown(election::leaderKnown);
        }
        if (!node.init(JraftOptions.nodeOptions(config, groupDir, fsm, initial, serviceFactory,
                endpoint.snapshotThrottle()))) {
            throw new IllegalStateException("region " + region.regionId() + ": the Raft node did not start; "
                    + "the log above says why");
        }
        if (election != null) {
            election.start();
        }
        JraftRaftGroup group = new JraftRaftGroup(node, fsm, directory, notLeader);
        fsm.onEachLeaderStart(group::onLeaderStart);
        return group;
    }

    @Override
    public CompletableFuture<CommandResult> propose(Proposal proposal) {
        ProposalClosure closure = new ProposalClosure();
        if (!node.isLeader()) {
            closure.future().completeExceptionally(notLeader.get());
            return closure.future();
        }
        Task task = new Task(ByteBuffer.wrap(CommandCodec.encode(proposal)), closure);
        node.apply(task);
        return closure.future();
    }

    @Override
    public CompletableFuture<Void> awaitReadable(ReadConsistency consistency) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        if (consistency == ReadConsistency.STALE) {
            ready.complete(null);
            return ready;
        }
        ReadOnlyOption option = consistency == ReadConsistency.LEASE
                ? ReadOnlyOption.ReadOnlyLeaseBased : ReadOnlyOption.ReadOnlySafe;
        node.readIndex(option, new byte[0], new ReadIndexClosure() {
            @Override
            public void run(Status status, long index, byte[] requestContext) {
                if (status.isOk()) {
                    ready.complete(null);
                } else if (status.getRaftError() == RaftError.EBUSY || node.isLeader()) {
                    // Still the leader (for example newly elected, before its first entry of this term commits):
                    // not a reason to look elsewhere, only to try again shortly.
                    ready.completeExceptionally(RetryableException.serverBusy(Duration.ofMillis(20),
                            "read index not ready: " + status.getErrorMsg()));
                } else {
                    ready.completeExceptionally(notLeader.get());
                }
            }
        });
        return ready;
    }

    @Override
    public boolean isLeader() {
        return node.isLeader();
    }

    @Override
    public OptionalLong leaderStoreId() {
        PeerId leader = node.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            return OptionalLong.empty();
        }
        return directory.storeIdByRaftAddress(leader.getEndpoint().toString());
    }

    /**
     * Drives the library's membership to {@code desired}.
     *
     * <p>A peer the library does not have yet joins in three steps, so that it can only start from a RaftSnapshot
     * taken at or after the change that added it, never by replaying the region's log from an older descriptor into
     * keys that a newer region on its store owns:
     * <ol>
     *   <li>the log is dropped through the applied index (which includes our record of the new peer list), so no
     *       entry from before the change is left to send it;</li>
     *   <li>it joins the library's membership as a learner, whatever its final role;</li>
     *   <li>the log is dropped again through that membership entry, so the latest RaftSnapshot lists it. Until then
     *       the older one the leader offers is turned away ({@link MemberSnapshotGate}) and offered again later.</li>
     * </ol>
     * The new replica checks the outcome ({@link RegionStateMachine}). A leader that takes over while a learner is
     * still joining takes a RaftSnapshot of its own for it ({@link #onLeaderStart()}).
     *
     * <p>Two library steps when a learner is promoted: the library refuses a change in which one peer is a learner
     * in the old configuration and a voter in the new one, so the learner is first dropped, then added as a voter
     * (it keeps its data and catches up within the joint-consensus step).
     */
    @Override
    public CompletableFuture<Void> changeMembership(Region desired) {
        Configuration target = configurationOf(desired, directory);
        Set<PeerId> known = new HashSet<>(node.listPeers());
        known.addAll(node.listLearners());
        List<PeerId> joining = new ArrayList<>();
        target.getPeers().stream().filter(p -> !known.contains(p)).forEach(joining::add);
        target.getLearners().stream().filter(p -> !known.contains(p)).forEach(joining::add);
        // The same step asked again (its first try failed part way) still owes the joining learner its RaftSnapshot.
        boolean learnerStep = !joining.isEmpty() || target.getLearners().stream().anyMatch(known::contains);
        CompletableFuture<Void> joined = (joining.isEmpty() ? CompletableFuture.<Void>completedFuture(null)
                : compactLogThrough(fsm.appliedIndex()).thenCompose(v -> addLearners(joining)))
                .thenCompose(v -> learnerStep ? coverMembers(COVER_ATTEMPTS) : CompletableFuture.completedFuture(null));
        return joined.thenCompose(v -> {
            Set<PeerId> promoted = new HashSet<>(node.listLearners());
            promoted.retainAll(target.getPeers());
            CompletableFuture<Void> ready = new CompletableFuture<>();
            if (promoted.isEmpty()) {
                ready.complete(null);
            } else {
                node.removeLearners(new ArrayList<>(promoted), status -> complete(ready, status,
                        "remove learners before promotion"));
            }
            return ready;
        }).thenCompose(v -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            boolean same = new HashSet<>(node.listPeers()).equals(new HashSet<>(target.getPeers()))
                    && new HashSet<>(node.listLearners()).equals(target.getLearners());
            if (same) {
                done.complete(null);
            } else {
                node.changePeers(target, status -> complete(done, status, "change peers"));
            }
            return done;
        });
    }

    private CompletableFuture<Void> addLearners(List<PeerId> learners) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        node.addLearners(learners, status -> complete(done, status, "add learners"));
        return done;
    }

    /**
     * A new leader drops its log through its commit index when its own latest RaftSnapshot may not list every member:
     * the region's membership moved on since that RaftSnapshot (taken when this replica followed, or a split child's
     * seed), or a learner is still joining. A member with no data yet is sent that RaftSnapshot, the gate turns it
     * away, and it would wait for as long as it stays the latest (SchedulingIT: a replica added to a split child,
     * promoted while it still had no data, then the leader moved to a store holding only the seed; the replica never
     * got data). Runs off the library's FSM thread; a failure only leaves the member waiting for the next membership
     * step or leader change to try again.
     */
    private void onLeaderStart() {
        if (node.listLearners().isEmpty() && !fsm.snapshotPredatesMembership()) {
            return;
        }
        coverMembers(COVER_ATTEMPTS);
    }

    /**
     * Takes RaftSnapshots until the log starts past the commit index, so the latest one lists every member. Never
     * fails: while this replica leads, a failed try is tried again in the background ({@code attemptsLeft} in all),
     * since nothing else would (the PD waits for the member to report data, not for this step).
     */
    private CompletableFuture<Void> coverMembers(int attemptsLeft) {
        return delay().thenCompose(v -> compactLogThrough(node.getLastCommittedIndex())).handle((v, e) -> {
            if (e == null) {
                return null;
            }
            if (attemptsLeft > 1 && node.isLeader()) {
                LOG.info("{}: no RaftSnapshot for every member yet ({}); trying again", node.getGroupId(),
                        e.getMessage());
                delay(COVER_RETRY).thenCompose(x -> coverMembers(attemptsLeft - 1));
            } else {
                LOG.warn("{}: gave up taking a RaftSnapshot for every member: {}", node.getGroupId(), e.getMessage());
            }
            return null;
        });
    }

    /**
     * Makes the library drop every log entry at or below {@code index}. It drops the log only up to the RaftSnapshot
     * before the one it is taking (or, asked for one with nothing new applied, up to the last one), so RaftSnapshots
     * are taken until its first log index is past {@code index}, as the library itself reports it: our own record of
     * RaftSnapshots can run ahead of the library's (one saved here that the library then failed to finish, on a full
     * disk, say), and the chaos suite caught a re-added replica sent log entry 2 that way.
     */
    private CompletableFuture<Void> compactLogThrough(long index) {
        return compactLogThrough(index, COMPACTION_ROUNDS, APPLY_WAITS);
    }

    private CompletableFuture<Void> compactLogThrough(long index, int roundsLeft, int waitsLeft) {
        long first = firstLogIndex();
        if (first > index) {
            return CompletableFuture.completedFuture(null);
        }
        if (node.getLastAppliedLogIndex() < index && waitsLeft > 0) {
            // The library counts an entry applied only once the whole batch it came in is done (a membership
            // entry's callback runs inside that batch): a RaftSnapshot asked for before then is taken below the
            // index, and every further one finds nothing new to save. SchedulingIT saw all rounds spent that way.
            return delay().thenCompose(v -> compactLogThrough(index, roundsLeft, waitsLeft - 1));
        }
        if (roundsLeft == 0) {
            return CompletableFuture.failedFuture(RetryableException.serverBusy(Duration.ofSeconds(1),
                    "the Raft log still starts at " + first + ", not past " + index + ", after " + COMPACTION_ROUNDS
                            + " RaftSnapshots; a replica is not added before it does"));
        }
        return snapshotWhenFree(SNAPSHOT_ATTEMPTS).thenCompose(v -> compactLogThrough(index, roundsLeft - 1,
                waitsLeft));
    }

    /** The library's first log index, from its own description of the node (1.3.15 offers no accessor). */
    long firstLogIndex() {
        return numberAfter(describe(), "storage: [");
    }

    /** A RaftSnapshot, asked again while the library is busy saving another one. */
    private CompletableFuture<Void> snapshotWhenFree(int attemptsLeft) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        node.snapshot(status -> {
            if (status.isOk()) {
                done.complete(null);
            } else if (status.getRaftError() == RaftError.EBUSY && attemptsLeft > 1) {
                delay().thenCompose(v -> snapshotWhenFree(attemptsLeft - 1)).whenComplete((v, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                    } else {
                        done.complete(null);
                    }
                });
            } else {
                complete(done, status, "snapshot before adding a replica");
            }
        });
        return done;
    }

    private static CompletableFuture<Void> delay() {
        return delay(SNAPSHOT_RETRY);
    }

    private static CompletableFuture<Void> delay(Duration duration) {
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(duration.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS, Runnable::run));
    }

    @Override
    public CompletableFuture<Void> transferLeader(long toStoreId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Endpoint to = endpointOf(toStoreId, directory);
        Optional<PeerId> voter = node.listPeers().stream().filter(p -> p.getEndpoint().equals(to)).findFirst();
        if (voter.isEmpty()) {
            done.completeExceptionally(new IllegalStateException("store " + toStoreId + " has no voter of group "
                    + node.getGroupId()));
            return done;
        }
        complete(done, node.transferLeadershipTo(voter.get()), "transfer leader");
        return done;
    }

    @Override
    public CompletableFuture<Void> snapshot() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        node.snapshot(status -> complete(done, status, "snapshot"));
        return done;
    }

    @Override
    public String describe() {
        return describe(node);
    }

    /** The index of the last RaftSnapshot the library saved or loaded, from its description (no accessor in 1.3.15). */
    static long lastSnapshotIndex(Node node) {
        return lastSnapshotIndex(describe(node));
    }

    static long lastSnapshotIndex(String described) {
        return numberAfter(described, "lastSnapshotIndex: ");
    }

    /** The number right after {@code label} in the library's description of a node (1.3.15 has no accessors). */
    private static long numberAfter(String described, String label) {
        int at = described.indexOf(label);
        if (at < 0) {
            throw new IllegalStateException("the Raft library no longer describes '" + label.trim() + "'");
        }
        int from = at + label.length();
        int end = from;
        while (end < described.length() && Character.isDigit(described.charAt(end))) {
            end++;
        }
        return Long.parseLong(described.substring(from, end));
    }

    private static String describe(Node node) {
        StringBuilder out = new StringBuilder();
        node.describe(new com.alipay.sofa.jraft.util.Describer.Printer() {
            @Override
            public com.alipay.sofa.jraft.util.Describer.Printer print(Object x) {
                out.append(x);
                return this;
            }

            @Override
            public com.alipay.sofa.jraft.util.Describer.Printer println(Object x) {
                out.append(x).append('\n');
                return this;
            }
        });
        return out.toString();
    }

    @Override
    public void shutdown() {
        node.shutdown();
        try {
            node.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void complete(CompletableFuture<Void> done, Status status, String what) {
        if (status.isOk()) {
            done.complete(null);
        } else if (status.getRaftError() == RaftError.EPERM) {
            done.completeExceptionally(notLeader.get());
        } else {
            done.completeExceptionally(RetryableException.serverBusy(Duration.ofMillis(100),
                    what + " failed: " + status));
        }
    }

    static Configuration configurationOf(Region region, StoreDirectory directory) {
        Configuration conf = new Configuration();
        for (Peer peer : region.peers()) {
            PeerId id = new PeerId(endpointOf(peer.storeId(), directory), raftIndexOf(peer.peerId()));
            if (peer.isVoter()) {
                conf.addPeer(id);
            } else {
                conf.addLearner(id);
            }
        }
        return conf;
    }

    /**
     * The replica's Raft identity: its store's Raft address with the region's peer id as the library's index. With
     * the address alone, a replica removed from a store and a later one of the same region there were the same
     * member to the library, so a RaftSnapshot listing the earlier one passed for the later one's (chaos seed 401:
     * two replicas stopped at load that way, and the repairs that followed left a region on every store); messages
     * for the earlier one now find no such peer.
     */
    static int raftIndexOf(long peerId) {
        if (peerId <= 0 || peerId > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("peer id " + peerId + " does not fit the Raft library's peer index");
        }
        return (int) peerId;
    }

    private static Endpoint endpointOf(long storeId, StoreDirectory directory) {
        Store store = directory.store(storeId).orElseThrow(() ->
                new IllegalStateException("no address known for store " + storeId));
        PeerId id = new PeerId();
        if (!id.parse(store.raftAddress())) {
            throw new IllegalStateException("bad raft address for store " + storeId + ": " + store.raftAddress());
        }
        return id.getEndpoint();
    }
}
