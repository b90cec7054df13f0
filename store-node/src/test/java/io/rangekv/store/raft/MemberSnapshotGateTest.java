package io.rangekv.store.raft;

import com.alipay.sofa.jraft.entity.RaftOutter.SnapshotMeta;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcRequests.ErrorResponse;
import com.alipay.sofa.jraft.rpc.RpcRequests.InstallSnapshotRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.InstallSnapshotResponse;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.ConnectionClosedEventListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemberSnapshotGateTest {
    private static InstallSnapshotRequest install(String receiver, List<String> peers, List<String> learners) {
        return InstallSnapshotRequest.newBuilder().setGroupId("r7").setServerId("127.0.0.1:9001")
                .setPeerId(receiver).setTerm(3).setUri("remote://127.0.0.1:9001/1")
                .setMeta(SnapshotMeta.newBuilder().setLastIncludedIndex(1).setLastIncludedTerm(1)
                        .addAllPeers(peers).addAllLearners(learners))
                .build();
    }

    @Test
    void aSnapshotListingTheReceiverAsVoterOrLearnerIsLetThrough() {
        assertTrue(MemberSnapshotGate.listsReceiver(install("127.0.0.1:9004",
                List.of("127.0.0.1:9001", "127.0.0.1:9004"), List.of())));
        assertTrue(MemberSnapshotGate.listsReceiver(install("127.0.0.1:9004",
                List.of("127.0.0.1:9001"), List.of("127.0.0.1:9004"))));
    }

    @Test
    void aSnapshotThatPredatesTheReceiverIsTurnedAway() {
        // A split child's seed at index 1 lists the three replicas the split made; a fourth, added later, is not one.
        assertFalse(MemberSnapshotGate.listsReceiver(install("127.0.0.1:9004",
                List.of("127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"), List.of())));
        assertFalse(MemberSnapshotGate.listsReceiver(install("not a peer", List.of("127.0.0.1:9001"), List.of())));
    }

    @Test
    void aSnapshotListingAnEarlierReplicaOnTheReceiversStoreIsTurnedAway() {
        // Replica 17 of the region was on this store before; replica 42 is the one added back here since.
        assertFalse(MemberSnapshotGate.listsReceiver(install("127.0.0.1:9004:42",
                List.of("127.0.0.1:9001:5", "127.0.0.1:9004:17"), List.of())));
        assertTrue(MemberSnapshotGate.listsReceiver(install("127.0.0.1:9004:42",
                List.of("127.0.0.1:9001:5", "127.0.0.1:9004:17"), List.of("127.0.0.1:9004:42"))));
    }

    @Test
    void onlyTheInstallHandlerIsGatedAndARefusalIsAnErrorTheLeaderRetries() {
        java.util.Set<String> waiting = new java.util.HashSet<>();
        java.util.Set<String> withData = new java.util.HashSet<>();
        List<RpcProcessor<?>> registered = new ArrayList<>();
        RpcServer guarded = MemberSnapshotGate.guard(new RpcServer() {
            @Override
            public void registerConnectionClosedEventListener(ConnectionClosedEventListener listener) {
            }

            @Override
            public void registerProcessor(RpcProcessor<?> processor) {
                registered.add(processor);
            }

            @Override
            public int boundPort() {
                return 0;
            }

            @Override
            public boolean init(Void opts) {
                return true;
            }

            @Override
            public void shutdown() {
            }
        }, () -> MemberSnapshotGate.Admission.of(groupId -> waiting.contains(groupId)
                ? java.util.Optional.of("region 1 has not applied the split") : java.util.Optional.empty(),
                groupId -> !withData.contains(groupId)));
        List<InstallSnapshotRequest> handled = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean answering = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<RpcContext> unanswered = new ArrayList<>();
        RpcProcessor<InstallSnapshotRequest> library = new RpcProcessor<>() {
            @Override
            public void handleRequest(RpcContext context, InstallSnapshotRequest request) {
                handled.add(request);
                if (answering.get()) {
                    context.sendResponse(InstallSnapshotResponse.newBuilder().setTerm(3).setSuccess(true).build());
                } else {
                    unanswered.add(context);
                }
            }

            @Override
            public String interest() {
                return InstallSnapshotRequest.class.getName();
            }
        };
        RpcProcessor<String> other = new RpcProcessor<>() {
            @Override
            public void handleRequest(RpcContext context, String request) {
            }

            @Override
            public String interest() {
                return "other";
            }
        };
        guarded.registerProcessor(library);
        guarded.registerProcessor(other);
        assertSame(other, registered.get(1));
        @SuppressWarnings("unchecked")
        RpcProcessor<InstallSnapshotRequest> gate = (RpcProcessor<InstallSnapshotRequest>) registered.get(0);
        assertEquals(library.interest(), gate.interest());

        List<Object> responses = new ArrayList<>();
        RpcContext context = new RpcContext() {
            @Override
            public void sendResponse(Object response) {
                responses.add(response);
            }

            @Override
            public com.alipay.sofa.jraft.rpc.Connection getConnection() {
                return null;
            }

            @Override
            public String getRemoteAddress() {
                return "127.0.0.1:9001";
            }
        };
        InstallSnapshotRequest listed = install("127.0.0.1:9004", List.of("127.0.0.1:9001"),
                List.of("127.0.0.1:9004"));
        InstallSnapshotRequest stale = install("127.0.0.1:9004", List.of("127.0.0.1:9001"), List.of());
        gate.handleRequest(context, listed);
        gate.handleRequest(context, stale);
        assertEquals(List.of(listed), handled);
        ErrorResponse refusal = lastError(responses);
        assertTrue(refusal.getErrorMsg().contains("does not list 127.0.0.1:9004"), refusal.getErrorMsg());

        // The store holds back a group whose range an older replica here still reaches into.
        waiting.add("r7");
        gate.handleRequest(context, listed);
        assertEquals(List.of(listed), handled, "not handed to the library while the store says not yet");
        ErrorResponse wait = lastError(responses);
        assertTrue(wait.getErrorMsg().contains("not yet: region 1 has not applied the split"), wait.getErrorMsg());
        waiting.clear();
        gate.handleRequest(context, listed);
        assertEquals(List.of(listed, listed), handled);

        // A replica with data that fell behind installs a newer RaftSnapshot of its region even when it is not listed:
        // a learner being promoted is out of the membership while it catches up (chaos seed 402).
        withData.add("r7");
        gate.handleRequest(context, stale);
        assertEquals(List.of(listed, listed, stale), handled);

        // One install per replica at a time: the library mishandles an offer that arrives while one is under way.
        answering.set(false);
        InstallSnapshotRequest newer = install("127.0.0.1:9004", List.of("127.0.0.1:9001"),
                List.of("127.0.0.1:9004"));
        gate.handleRequest(context, listed);
        gate.handleRequest(context, newer);
        assertEquals(4, handled.size(), "the second offer is not handed over while the first is unanswered");
        ErrorResponse busy = lastError(responses);
        assertTrue(busy.getErrorMsg().contains("still under way"), busy.getErrorMsg());
        unanswered.get(0).sendResponse(InstallSnapshotResponse.newBuilder().setTerm(3).setSuccess(true).build());
        gate.handleRequest(context, newer);
        assertEquals(5, handled.size(), "answered, the replica takes offers again");
    }

    /** The last refusal among the gate's answers (the fake library's own answers are successes). */
    private static ErrorResponse lastError(List<Object> responses) {
        Object last = null;
        for (Object r : responses) {
            if (r instanceof ErrorResponse) {
                last = r;
            }
        }
        return assertInstanceOf(ErrorResponse.class, last);
    }
}
