package io.rangekv.store.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.proto.gen.CommandProto;
import io.rangekv.store.command.ClientWrites;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.Proposal;
import io.rangekv.wire.MetaCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * Encodes proposals as Raft log entries ({@code command.proto}) and back. The log outlives any one build: decoding
 * must accept entries written by older builds, and an entry it cannot understand is an apply failure, never
 * skipped.
 */
public final class CommandCodec {
    private CommandCodec() {
    }

    public static byte[] encode(Proposal proposal) {
        CommandProto.Command.Builder b = CommandProto.Command.newBuilder()
                .setRegionId(proposal.regionId())
                .setEpoch(MetaCodec.toProto(proposal.epoch()));
        ClientWrites writes = proposal.writes();
        if (writes != null) {
            CommandProto.ClientWrites.Builder w = CommandProto.ClientWrites.newBuilder()
                    .setClientId(writes.clientId())
                    .setLowestUnanswered(writes.lowestUnanswered())
                    .setProposedAtMs(writes.proposedAtMillis());
            for (int i = 0; i < writes.count(); i++) {
                w.addSeqs(writes.seq(i));
            }
            b.setClientWrites(w);
        }
        Command command = proposal.command();
        if (command instanceof Command.Put p) {
            b.setPut(put(p));
        } else if (command instanceof Command.Delete d) {
            b.setDelete(delete(d));
        } else if (command instanceof Command.DeleteRange r) {
            b.setDeleteRange(CommandProto.DeleteRange.newBuilder()
                    .setStartKey(MetaCodec.toProto(r.range().start()))
                    .setEndKey(MetaCodec.toProto(r.range().end())));
        } else if (command instanceof Command.CompareAndPut c) {
            CommandProto.CompareAndPut.Builder cas = CommandProto.CompareAndPut.newBuilder()
                    .setKey(MetaCodec.toProto(c.key()))
                    .setExpectAbsent(c.expected() == null)
                    .setValue(ByteString.copyFrom(c.value()));
            if (c.expected() != null) {
                cas.setExpected(ByteString.copyFrom(c.expected()));
            }
            b.setCompareAndPut(cas);
        } else if (command instanceof Command.Batch batch) {
            CommandProto.Batch.Builder pb = CommandProto.Batch.newBuilder();
            for (Command.Mutation m : batch.mutations()) {
                CommandProto.Mutation.Builder mb = CommandProto.Mutation.newBuilder();
                if (m instanceof Command.Put p) {
                    mb.setPut(put(p));
                } else {
                    mb.setDelete(delete((Command.Delete) m));
                }
                pb.addMutations(mb);
            }
            b.setBatch(pb);
        } else if (command instanceof Command.Split s) {
            b.setSplit(CommandProto.Split.newBuilder()
                    .setSplitKey(MetaCodec.toProto(s.splitKey()))
                    .setNewRegionId(s.newRegionId())
                    .addAllNewPeerIds(s.newPeerIds()));
        } else if (command instanceof Command.ChangePeers c) {
            b.setChangePeers(CommandProto.ChangePeers.newBuilder().addAllPeers(MetaCodec.peersToProto(c.peers())));
        } else if (command instanceof Command.PrepareMerge pm) {
            b.setPrepareMerge(CommandProto.PrepareMerge.newBuilder().setTargetRegionId(pm.targetRegionId()));
        } else if (command instanceof Command.CommitMerge cm) {
            b.setCommitMerge(CommandProto.CommitMerge.newBuilder().setSource(MetaCodec.toProto(cm.source())));
        } else if (command instanceof Command.RollbackMerge) {
            b.setRollbackMerge(CommandProto.RollbackMerge.getDefaultInstance());
        } else if (command instanceof Command.ComputeHash) {
            b.setComputeHash(CommandProto.ComputeHash.getDefaultInstance());
        } else {
            throw new IllegalArgumentException("no encoding for " + command);
        }
        return b.build().toByteArray();
    }

    /** Decodes a log entry; throws {@link IllegalArgumentException} for an entry this build cannot read. */
    public static Proposal decode(byte[] entry) {
        CommandProto.Command pb;
        try {
            pb = CommandProto.Command.parseFrom(entry);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("undecodable log entry: " + e.getMessage(), e);
        }
        Command command = switch (pb.getOpCase()) {
            case PUT -> put(pb.getPut());
            case DELETE -> delete(pb.getDelete());
            case DELETE_RANGE -> new Command.DeleteRange(new KeyRange(
                    MetaCodec.keyFromProto(pb.getDeleteRange().getStartKey()),
                    MetaCodec.keyFromProto(pb.getDeleteRange().getEndKey())));
            case COMPARE_AND_PUT -> {
                CommandProto.CompareAndPut c = pb.getCompareAndPut();
                yield new Command.CompareAndPut(MetaCodec.keyFromProto(c.getKey()),
                        c.getExpectAbsent() ? null : c.getExpected().toByteArray(), c.getValue().toByteArray());
            }
            case BATCH -> {
                List<Command.Mutation> mutations = new ArrayList<>(pb.getBatch().getMutationsCount());
                for (CommandProto.Mutation m : pb.getBatch().getMutationsList()) {
                    mutations.add(switch (m.getOpCase()) {
                        case PUT -> put(m.getPut());
                        case DELETE -> delete(m.getDelete());
                        case OP_NOT_SET -> throw new IllegalArgumentException("batch mutation without an op");
                    });
                }
                yield new Command.Batch(mutations);
            }
            case SPLIT -> new Command.Split(MetaCodec.keyFromProto(pb.getSplit().getSplitKey()),
                    pb.getSplit().getNewRegionId(), pb.getSplit().getNewPeerIdsList());
            case CHANGE_PEERS -> new Command.ChangePeers(
                    MetaCodec.peersFromProto(pb.getChangePeers().getPeersList()));
            case PREPARE_MERGE -> new Command.PrepareMerge(pb.getPrepareMerge().getTargetRegionId());
            case COMMIT_MERGE -> new Command.CommitMerge(MetaCodec.fromProto(pb.getCommitMerge().getSource()));
            case ROLLBACK_MERGE -> new Command.RollbackMerge();
            case COMPUTE_HASH -> new Command.ComputeHash();
            case OP_NOT_SET -> throw new IllegalArgumentException("log entry of an unknown kind (newer build?)");
        };
        ClientWrites writes = null;
        if (pb.hasClientWrites()) {
            CommandProto.ClientWrites w = pb.getClientWrites();
            long[] seqs = new long[w.getSeqsCount()];
            for (int i = 0; i < seqs.length; i++) {
                seqs[i] = w.getSeqs(i);
            }
            writes = new ClientWrites(w.getClientId(), seqs, w.getLowestUnanswered(), w.getProposedAtMs());
        }
        return new Proposal(pb.getRegionId(), MetaCodec.fromProto(pb.getEpoch()), command, writes);
    }

    private static CommandProto.Put put(Command.Put p) {
        return CommandProto.Put.newBuilder().setKey(MetaCodec.toProto(p.key()))
                .setValue(ByteString.copyFrom(p.value())).build();
    }

    private static CommandProto.Delete delete(Command.Delete d) {
        return CommandProto.Delete.newBuilder().setKey(MetaCodec.toProto(d.key())).build();
    }

    private static Command.Put put(CommandProto.Put p) {
        return new Command.Put(Key.wrap(p.getKey().toByteArray()), p.getValue().toByteArray());
    }

    private static Command.Delete delete(CommandProto.Delete d) {
        return new Command.Delete(Key.wrap(d.getKey().toByteArray()));
    }
}
