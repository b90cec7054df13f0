package io.rangekv.store.rpc;

import io.rangekv.error.RequestException;
import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.region.ApplyStats;
import io.rangekv.store.region.RegionPeer;
import io.rangekv.store.region.RegionRegistry;
import io.rangekv.wire.MetaCodec;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The admin calls a store answers: region status, split, change peers, create a replica, RaftSnapshot, transfer
 * leader. Tests use them today; the placement driver's instructions will drive the same operations.
 */
public final class StoreAdmin {
    private final RegionRegistry regions;

    public StoreAdmin(RegionRegistry regions) {
        this.regions = regions;
    }

    /** True for the admin methods this class answers; KV methods go to the region path. */
    static boolean handles(KvProto.Request.MethodCase method) {
        return switch (method) {
            case REGION_STATUS, SPLIT_REGION, CHANGE_PEERS, CREATE_REPLICA, LIST_REGIONS, TRIGGER_RAFT_SNAPSHOT,
                    TRANSFER_LEADER -> true;
            default -> false;
        };
    }

    CompletableFuture<KvProto.Response.Builder> handle(KvProto.Request request) {
        KvProto.Response.Builder out = KvProto.Response.newBuilder();
        long regionId = request.getHeader().getRegionId();
        return switch (request.getMethodCase()) {
            case REGION_STATUS -> CompletableFuture.completedFuture(
                    out.setRegionStatus(status(regions.require(regionId))));
            case LIST_REGIONS -> {
                KvProto.ListRegionsResponse.Builder list = KvProto.ListRegionsResponse.newBuilder();
                regions.all().forEach(p -> list.addRegions(status(p)));
                yield CompletableFuture.completedFuture(out.setListRegions(list));
            }
            case SPLIT_REGION -> {
                KvProto.SplitRegionRequest split = request.getSplitRegion();
                yield regions.require(regionId)
                        .split(Key.wrap(split.getSplitKey().toByteArray()), split.getNewRegionId(),
                                split.getNewPeerIdsList())
                        .thenApply(r -> {
                            CommandResult.RegionChanged changed = (CommandResult.RegionChanged) r;
                            return out.setSplitRegion(KvProto.SplitRegionResponse.newBuilder()
                                    .setLeft(MetaCodec.toProto(changed.left()))
                                    .setRight(MetaCodec.toProto(changed.right())));
                        });
            }
            case CHANGE_PEERS -> {
                List<Peer> peers = MetaCodec.peersFromProto(request.getChangePeers().getPeersList());
                yield regions.require(regionId).changePeers(peers).thenApply(region -> out.setChangePeers(
                        KvProto.ChangePeersResponse.newBuilder().setRegion(MetaCodec.toProto(region))));
            }
            case CREATE_REPLICA -> {
                Region region = MetaCodec.fromProto(request.getCreateReplica().getRegion());
                long peerId = request.getCreateReplica().getPeerId();
                if (peerId <= 0) {
                    throw RequestException.invalidArgument("create_replica needs a positive peer id");
                }
                yield regions.createAsync(region, peerId, false)
                        .thenApply(p -> out.setCreateReplica(KvProto.CreateReplicaResponse.getDefaultInstance()));
            }
            case TRIGGER_RAFT_SNAPSHOT -> {
                RegionPeer peer = regions.require(regionId);
                yield peer.raftGroup().snapshot().thenApply(v -> out.setTriggerRaftSnapshot(
                        KvProto.TriggerRaftSnapshotResponse.newBuilder()
                                .setAppliedIndex(peer.stats().appliedIndex())));
            }
            case TRANSFER_LEADER -> regions.require(regionId).raftGroup()
                    .transferLeader(request.getTransferLeader().getToStoreId())
                    .thenApply(v -> out.setTransferLeader(KvProto.TransferLeaderResponse.getDefaultInstance()));
            default -> throw new RequestException(io.rangekv.error.ErrorKind.UNKNOWN_METHOD,
                    "unknown admin method " + request.getMethodCase());
        };
    }

    static KvProto.RegionStatusResponse status(RegionPeer peer) {
        ApplyStats stats = peer.stats();
        KvProto.RegionStatusResponse.Builder b = KvProto.RegionStatusResponse.newBuilder()
                .setRegion(MetaCodec.toProto(peer.region()))
                .setInitialRegion(MetaCodec.toProto(peer.initialRegion()))
                .setLeader(peer.isLeader());
        if (stats != null) {
            b.setAppliedIndex(stats.appliedIndex())
                    .setAppliedIndexAtStart(stats.appliedIndexAtStart())
                    .setReplayedEntriesSkipped(stats.replayedEntriesSkipped())
                    .setEntriesAppliedSinceStart(stats.entriesAppliedSinceStart())
                    .setFirstIndexAppliedSinceStart(stats.firstIndexAppliedSinceStart())
                    .setSnapshotsInstalled(stats.snapshotsInstalled());
        }
        peer.leaderPeer().ifPresent(l -> b.setLeaderPeer(MetaCodec.toProto(l)));
        return b.build();
    }

}
