package io.rangekv.store.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rangekv.proto.gen.CommandProto;
import io.rangekv.store.region.RegionState;
import io.rangekv.wire.MetaCodec;

/** Encodes {@link RegionState} as the {@code RegionLocalState} record kept in the engine and in RaftSnapshots. */
public final class RegionStateCodec {
    private RegionStateCodec() {
    }

    public static byte[] encode(RegionState state) {
        return CommandProto.RegionLocalState.newBuilder()
                .setRegion(MetaCodec.toProto(state.region()))
                .setAppliedIndex(state.appliedIndex())
                .setPeerId(state.peerId())
                .setTombstone(state.tombstone())
                .build().toByteArray();
    }

    public static RegionState decode(byte[] bytes) {
        try {
            CommandProto.RegionLocalState pb = CommandProto.RegionLocalState.parseFrom(bytes);
            return new RegionState(MetaCodec.fromProto(pb.getRegion()), pb.getAppliedIndex(), pb.getPeerId(),
                    pb.getTombstone());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt region state record: " + e.getMessage(), e);
        }
    }
}
