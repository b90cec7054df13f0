package io.rangekv.pd.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RaftException;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import com.google.protobuf.InvalidProtocolBufferException;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.proto.gen.PdProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Applies committed PD commands to {@link ClusterMetadata} and saves / loads it whole as a RaftSnapshot (the state
 * is small: stores and region descriptors) in a checksummed, fsynced {@link PdStateFile}. Runs on JRaft's FSM thread; tells the {@link PdLeaderListener} when this
 * member starts or stops leading — only after every earlier entry was applied, so a new leader answers from
 * complete state.
 */
final class PdStateMachine extends StateMachineAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(PdStateMachine.class);
    static final String STATE_FILE = "pd-state.pb";

    private final ClusterMetadata metadata;
    private final PdLeaderListener listener;

    PdStateMachine(ClusterMetadata metadata, PdLeaderListener listener) {
        this.metadata = metadata;
        this.listener = listener;
    }

    @Override
    public void onApply(Iterator it) {
        while (it.hasNext()) {
            Closure done = it.done();
            ClusterMetadata.Outcome outcome;
            try {
                PdProto.PdCommand command = PdProto.PdCommand.parseFrom(it.getData());
                outcome = metadata.apply(command);
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                // Every member would fail alike on this entry: stop rather than diverge or skip it.
                LOG.error("PD command at index {} cannot be applied; stopping this member", it.getIndex(), e);
                it.setErrorAndRollback(1, new Status(RaftError.ESTATEMACHINE, "PD apply failed: %s", e));
                return;
            }
            if (done instanceof PdProposal proposal) {
                proposal.complete(outcome);
            }
            it.next();
        }
    }

    @Override
    public void onSnapshotSave(SnapshotWriter writer, Closure done) {
        try {
            PdStateFile.write(Path.of(writer.getPath(), STATE_FILE), metadata.toProto());
            if (!writer.addFile(STATE_FILE)) {
                done.run(new Status(RaftError.EIO, "cannot add %s to the RaftSnapshot", STATE_FILE));
                return;
            }
            done.run(Status.OK());
        } catch (IOException e) {
            done.run(new Status(RaftError.EIO, "cannot write the PD RaftSnapshot: %s", e.getMessage()));
        }
    }

    @Override
    public boolean onSnapshotLoad(SnapshotReader reader) {
        // Refusing makes JRaft fail the load and stop this member, rather than start it from a damaged cluster map.
        try {
            metadata.load(PdStateFile.read(Path.of(reader.getPath(), STATE_FILE)));
            return true;
        } catch (PdStateFile.CorruptStateFileException e) {
            LOG.error("cannot load the PD RaftSnapshot from {}: {}", reader.getPath(), e.getMessage());
            return false;
        } catch (IOException e) {
            LOG.error("cannot load the PD RaftSnapshot from {}", reader.getPath(), e);
            return false;
        }
    }

    @Override
    public void onLeaderStart(long term) {
        listener.onLeaderStart(term);
    }

    @Override
    public void onLeaderStop(Status status) {
        listener.onLeaderStop();
    }

    @Override
    public void onError(RaftException e) {
        LOG.error("the PD Raft group stopped this member: {}", e.getStatus(), e);
    }
}
