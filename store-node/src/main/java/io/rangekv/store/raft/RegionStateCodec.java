package io.rangekv.store.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rangekv.meta.Region;
import io.rangekv.proto.gen.CommandProto;
import io.rangekv.store.region.RegionState;
import io.rangekv.wire.MetaCodec;

/** Encodes {@link RegionState} as the {@code RegionLocalState} record kept in the engine and in RaftSnapshots. */
public final class RegionStateCodec {
    private RegionStateCodec() {
    }

    public static byte[] encode(RegionState state) {
        return toProto(state).toByteArray();
    }

    public static CommandProto.RegionLocalState toProto(RegionState state) {
        return CommandProto.RegionLocalState.newBuilder()
                .setRegion(MetaCodec.toProto(state.region()))
                .setAppliedIndex(state.appliedIndex())
                .setPeerId(state.peerId())
                .setTombstone(state.tombstone())
                .setInitialRegion(MetaCodec.toProto(state.initialRegion()))
                .setMergingInto(state.mergingInto())
                .setAwaitingSnapshot(state.awaitingSnapshot())
                .setSeedPending(state.seedPending())
                .build();
    }

    public static RegionState fromProto(CommandProto.RegionLocalState pb) {
        Region region = MetaCodec.fromProto(pb.getRegion());
        Region initial = pb.hasInitialRegion() ? MetaCodec.fromProto(pb.getInitialRegion()) : region;
        return new RegionState(region, pb.getAppliedIndex(), pb.getPeerId(), pb.getTombstone(), initial,
                pb.getMergingInto(), pb.getAwaitingSnapshot(), pb.getSeedPending());
    }

    public static RegionState decode(byte[] bytes) {
        try {
            return fromProto(CommandProto.RegionLocalState.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt region state record: " + e.getMessage(), e);
        }
    }
}
