package io.rangekv.store.raft;

import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.RaftOutter.SnapshotMeta;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.rpc.impl.ConnectionClosedEventListener;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcRequests.InstallSnapshotRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.InstallSnapshotResponse;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Turns away a RaftSnapshot sent to a replica still without data that the snapshot's own membership does not list,
 * before the library downloads it: an answer the leader retries a little later, where a refusal at load time would stop the replica for
 * good.
 *
 * <p>Why: a replica added to a running region must start from a RaftSnapshot taken at or after the change that added
 * it (store-node/OVERVIEW, "a replica joins by RaftSnapshot"). The leader that adds it takes one
 * ({@link JraftRaftGroup#changeMembership}), but the library sends whatever RaftSnapshot the current leader saved
 * last: right after the add, or after a leader change, that can be an older one (a split child's seed at index 1,
 * say), which describes the region before this replica joined. Such a snapshot never lists the receiver, so this
 * gate refuses it; the leader's replicator backs off and offers its latest RaftSnapshot again, which by then is the
 * one taken after the change. The state machine still checks the region-level peer id on load (a store removed and
 * re-added has the same Raft address), as the last line.
 */
public final class MemberSnapshotGate {
    private static final Logger LOG = LoggerFactory.getLogger(MemberSnapshotGate.class);

    private MemberSnapshotGate() {
    }

    /**
     * True when the RaftSnapshot's membership lists the receiving peer, as a voter or a learner: the same address and
     * the same region peer id (the library's peer index, {@link JraftRaftGroup#raftIndexOf}), so one that lists an
     * earlier replica of the region on the receiver's store does not pass for it.
     */
    static boolean listsReceiver(InstallSnapshotRequest request) {
        PeerId receiver = PeerId.parsePeer(request.getPeerId());
        if (receiver == null) {
            return false;
        }
        SnapshotMeta meta = request.getMeta();
        return meta.getPeersList().stream().anyMatch(p -> receiver.equals(PeerId.parsePeer(p)))
                || meta.getLearnersList().stream().anyMatch(p -> receiver.equals(PeerId.parsePeer(p)));
    }

    /** What the store says about installing a RaftSnapshot into one of its groups now. */
    public interface Admission {
        /** Why group {@code groupId} may not install a RaftSnapshot yet; empty when it may. */
        Optional<String> refusal(String groupId);

        /**
         * Whether this store's replica of group {@code groupId} has no data yet (it awaits its first RaftSnapshot).
         * Only such a replica must be listed by the RaftSnapshot it installs: one with data that is sent a
         * RaftSnapshot has fallen behind the leader's log, and the newer state is its own region's. A learner being
         * promoted is one: the library drops it from the membership first, then adds it as a voter only once it has
         * caught up, so while it catches up no RaftSnapshot lists it (chaos seed 402: turned away, the learner never
         * caught up, the library kept waiting for it, and the region could change its membership no more).
         */
        boolean joining(String groupId);

        Admission ALWAYS = of(groupId -> Optional.empty(), groupId -> true);

        static Admission of(Function<String, Optional<String>> refusal, Predicate<String> joining) {
            return new Admission() {
                @Override
                public Optional<String> refusal(String groupId) {
                    return refusal.apply(groupId);
                }

                @Override
                public boolean joining(String groupId) {
                    return joining.test(groupId);
                }
            };
        }
    }

    /**
     * {@code server}, with the library's InstallSnapshot handler behind this gate (every other handler as is): an
     * install is turned away when its membership does not list a receiver without data, when {@code admission}
     * says the receiving group may not install yet, while another install for the same replica is under way
     * ({@link InstallsInFlight}), and while the replica repairs its RaftSnapshot store ({@link SnapshotStoreRepair}).
     */
    static RpcServer guard(RpcServer server, Supplier<Admission> admission) {
        return new RpcServer() {
            @Override
            public void registerConnectionClosedEventListener(ConnectionClosedEventListener listener) {
                server.registerConnectionClosedEventListener(listener);
            }

            @Override
            @SuppressWarnings("unchecked")
            public void registerProcessor(RpcProcessor<?> processor) {
                if (InstallSnapshotRequest.class.getName().equals(processor.interest())) {
                    server.registerProcessor(gated((RpcProcessor<InstallSnapshotRequest>) processor, admission));
                } else {
                    server.registerProcessor(processor);
                }
            }

            @Override
            public int boundPort() {
                return server.boundPort();
            }

            @Override
            public boolean init(Void opts) {
                return server.init(opts);
            }

            @Override
            public void shutdown() {
                server.shutdown();
            }
        };
    }

    private static RpcProcessor<InstallSnapshotRequest> gated(RpcProcessor<InstallSnapshotRequest> library,
                                                              Supplier<Admission> admission) {
        // The last refusal logged per replica (leader and snapshot index); bounded by the replicas on this store.
        java.util.Map<String, String> lastRefused = new java.util.concurrent.ConcurrentHashMap<>();
        SnapshotStoreRepair repair = new SnapshotStoreRepair();
        InstallsInFlight inFlight = new InstallsInFlight(System::currentTimeMillis);
        return new RpcProcessor<>() {
            @Override
            public void handleRequest(RpcContext context, InstallSnapshotRequest request) {
                long index = request.getMeta().getLastIncludedIndex();
                String replica = request.getGroupId() + "/" + request.getPeerId();
                Admission store = admission.get();
                Optional<String> refusal = listsReceiver(request) || !store.joining(request.getGroupId())
                        ? store.refusal(request.getGroupId()).map(why -> "not yet: " + why)
                        : Optional.of("the RaftSnapshot at index " + index + " does not list " + request.getPeerId()
                                + " (membership " + request.getMeta().getPeersList() + ", learners "
                                + request.getMeta().getLearnersList() + ")");
                InstallsInFlight.Result claim = InstallsInFlight.Result.NONE;
                if (refusal.isEmpty()) {
                    claim = inFlight.claim(replica, index);
                    refusal = claim.busy().map(busy -> "the install of RaftSnapshot " + busy.index()
                            + " is still under way");
                }
                if (refusal.isEmpty() && repair.repairIfStuck(request.getGroupId(), request.getPeerId(), index)) {
                    refusal = Optional.of("RaftSnapshot " + index + " is filed here but was never loaded; repairing");
                }
                if (refusal.isEmpty()) {
                    handOver(context, request, replica, claim.claimed().orElseThrow());
                    return;
                }
                claim.claimed().ifPresent(mine -> inFlight.release(replica, mine));
                // Logged once per group, leader, snapshot and reason: the leader offers it again every few 100 ms.
                String seen = request.getServerId() + "@" + index + ": " + refusal.get();
                if (!seen.equals(lastRefused.put(replica, seen))) {
                    LOG.info("group {}: refused the RaftSnapshot at index {} from {} for {}; the leader offers one "
                            + "again later: {}", request.getGroupId(), index, request.getServerId(),
                            request.getPeerId(), refusal.get());
                }
                context.sendResponse(RpcFactoryHelper.responseFactory().newResponse(
                        InstallSnapshotResponse.getDefaultInstance(), RaftError.EAGAIN, "%s", refusal.get()));
            }

            /** To the library, with the replica's claim released by the install's answer (or its failure). */
            private void handOver(RpcContext context, InstallSnapshotRequest request, String replica,
                                  InstallsInFlight.Claim claim) {
                RpcContext answered = new RpcContext() {
                    @Override
                    public void sendResponse(Object response) {
                        inFlight.release(replica, claim);
                        context.sendResponse(response);
                    }

                    @Override
                    public com.alipay.sofa.jraft.rpc.Connection getConnection() {
                        return context.getConnection();
                    }

                    @Override
                    public String getRemoteAddress() {
                        return context.getRemoteAddress();
                    }
                };
                try {
                    library.handleRequest(answered, request);
                } catch (RuntimeException e) {
                    inFlight.release(replica, claim);
                    throw e;
                }
            }

            @Override
            public String interest() {
                return library.interest();
            }

            @Override
            public Executor executor() {
                return library.executor();
            }

            @Override
            public ExecutorSelector executorSelector() {
                return library.executorSelector();
            }
        };
    }
}
