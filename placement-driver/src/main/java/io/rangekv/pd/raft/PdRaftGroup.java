package io.rangekv.pd.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import io.rangekv.error.RetryableException;
import io.rangekv.pd.PdConfig;
import io.rangekv.pd.PdMember;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.proto.gen.PdProto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The PD's own Raft group ({@code pd}): one member per PD process, its own Raft port, JRaft's default RocksDB log
 * (a single group needs nothing shared). The only class of this module, with its package, that imports JRaft.
 *
 * <p>Thread-safe. {@link #isReadyLeader()} turns true only after the state machine caught up in the new term.
 */
public final class PdRaftGroup implements AutoCloseable {
    public static final String GROUP_ID = "pd";

    private final RaftGroupService service;
    private final Node node;
    private final PdConfig config;
    private final ReadyFlag ready;

    private PdRaftGroup(RaftGroupService service, Node node, PdConfig config, ReadyFlag ready) {
        this.service = service;
        this.node = node;
        this.config = config;
        this.ready = ready;
    }

    /** Starts this member; {@code listener} hears about leadership changes (after this group's own flag flips). */
    public static PdRaftGroup start(PdConfig config, ClusterMetadata metadata, PdLeaderListener listener) {
        Path dir = config.dataDir().resolve("raft");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        Configuration conf = new Configuration();
        for (PdMember member : config.members()) {
            conf.addPeer(PeerId.parsePeer(member.raftAddress()));
        }
        ReadyFlag flag = new ReadyFlag(listener);
        NodeOptions options = new NodeOptions();
        options.setElectionTimeoutMs((int) config.electionTimeout().toMillis());
        options.setFsm(new PdStateMachine(metadata, flag));
        options.setInitialConf(conf);
        options.setLogUri(dir.resolve("log").toString());
        options.setRaftMetaUri(dir.resolve("meta").toString());
        options.setSnapshotUri(dir.resolve("snapshot").toString());
        // The state is small; a RaftSnapshot every ten minutes keeps the log short and restarts quick.
        options.setSnapshotIntervalSecs(600);
        options.setEnableMetrics(false);
        RaftOptions raft = new RaftOptions();
        raft.setSync(true);
        raft.setSyncMeta(true);
        raft.setDisruptorBufferSize(1024);
        options.setRaftOptions(raft);
        PeerId self = PeerId.parsePeer(config.self().raftAddress());
        RaftGroupService service = new RaftGroupService(GROUP_ID, self, options);
        Node node = service.start();
        if (node == null) {
            service.shutdown();
            throw new IllegalStateException("the PD Raft node did not start; the log above says why");
        }
        return new PdRaftGroup(service, node, config, flag);
    }

    /** Proposes {@code command}; completes with its outcome once committed and applied on this member. */
    public CompletableFuture<ClusterMetadata.Outcome> propose(PdProto.PdCommand command) {
        PdProposal proposal = new PdProposal();
        if (!isReadyLeader()) {
            proposal.future().completeExceptionally(RetryableException.serverBusy(Duration.ofMillis(100),
                    "this PD member is not the ready leader"));
            return proposal.future();
        }
        node.apply(new Task(ByteBuffer.wrap(command.toByteArray()), proposal));
        return proposal.future();
    }

    /** Leader, and every entry of earlier terms applied. */
    public boolean isReadyLeader() {
        return ready.leading && node.isLeader();
    }

    /** The current leader as this member believes, if any. */
    public Optional<PdMember> leader() {
        PeerId leader = node.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            return Optional.empty();
        }
        String address = leader.getEndpoint().toString();
        return config.members().stream().filter(m -> m.raftAddress().equals(address)).findFirst();
    }

    /** Asks this member (when leader) to hand leadership to another member, for tests and maintenance. */
    public boolean transferLeadershipTo(PdMember member) {
        return node.transferLeadershipTo(PeerId.parsePeer(member.raftAddress())).isOk();
    }

    @Override
    public void close() {
        ready.leading = false;
        service.shutdown();
        try {
            service.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Remembers whether this member leads (set before the news is passed on; may fire before start returns). */
    private static final class ReadyFlag implements PdLeaderListener {
        private final PdLeaderListener next;
        private volatile boolean leading;

        ReadyFlag(PdLeaderListener next) {
            this.next = next;
        }

        @Override
        public void onLeaderStart(long term) {
            leading = true;
            next.onLeaderStart(term);
        }

        @Override
        public void onLeaderStop() {
            leading = false;
            next.onLeaderStop();
        }
    }
}
