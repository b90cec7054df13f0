package io.rangekv.pd;

import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.pd.raft.PdRaftGroup;
import io.rangekv.proto.gen.PdProto;

import java.util.concurrent.CompletableFuture;

/** Hands out cluster-unique ids (regions, peers) through the PD's Raft log, so no two leaders ever give the same. */
public final class IdAllocator {
    private final PdRaftGroup raft;

    public IdAllocator(PdRaftGroup raft) {
        this.raft = raft;
    }

    /** {@code count} consecutive ids; completes with the first. */
    public CompletableFuture<Long> allocate(int count) {
        return raft.propose(PdProto.PdCommand.newBuilder()
                        .setAllocIds(PdProto.AllocIdsCommand.newBuilder().setCount(count)).build())
                .thenApply(outcome -> ((ClusterMetadata.Outcome.IdsAllocated) outcome).first());
    }
}
