package io.rangekv.store.heartbeat;

import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.region.RegionPeer;
import io.rangekv.store.region.RegionRegistry;
import io.rangekv.store.region.SplitKeys;
import io.rangekv.wire.MetaCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Carries out the PD's instructions with the same {@link RegionPeer} operations the admin RPCs use: create a
 * replica, split a region, transfer its leader. An instruction whose region moved on (another epoch) or that this
 * store no longer leads is dropped: the PD re-decides from the next heartbeat.
 *
 * <p>Runs on the {@code store-heartbeat} thread; the operations themselves complete asynchronously.
 */
public final class InstructionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(InstructionHandler.class);

    private final RegionRegistry regions;
    /** Regions with a membership step in flight. */
    private final Set<Long> changing = ConcurrentHashMap.newKeySet();

    public InstructionHandler(RegionRegistry regions) {
        this.regions = regions;
    }

    public void onStoreInstruction(PdProto.StoreInstruction instruction) {
        if (instruction.hasDestroyReplica()) {
            PdProto.DestroyReplica destroy = instruction.getDestroyReplica();
            long regionId = destroy.getRegionId();
            RegionEpoch current = MetaCodec.fromProto(destroy.getEpoch());
            regions.get(regionId).filter(p -> destroy.getPeerId() == 0 || destroy.getPeerId() == p.peerId())
                    .filter(p -> p.region().epoch().isStaleComparedTo(current)
                            || p.region().peer(p.peerId()).isEmpty() || destroy.getPeerId() == p.peerId())
                    .ifPresent(p -> {
                        LOG.info("PD: replica {} of region {} is no longer in the region ({}); destroying it",
                                p.peerId(), regionId, p.region());
                        regions.destroyStray(p);
                    });
            return;
        }
        if (instruction.hasQuarantineReplica()) {
            PdProto.QuarantineReplica quarantine = instruction.getQuarantineReplica();
            regions.get(quarantine.getRegionId()).filter(p -> p.peerId() == quarantine.getPeerId())
                    .ifPresent(p -> p.quarantine(quarantine.getReason()));
            return;
        }
        if (instruction.hasCreateReplica()) {
            PdProto.CreateReplica create = instruction.getCreateReplica();
            Region region = MetaCodec.fromProto(create.getRegion());
            long peerId = create.getPeerId();
            Optional<RegionPeer> old = regions.get(region.regionId()).filter(p -> p.peerId() != peerId);
            if (old.isPresent()) {
                LOG.info("PD: create replica {} of region {}: waits until old replica {} here is destroyed", peerId,
                        region.regionId(), old.get().peerId());
            } else if (regions.get(region.regionId()).isEmpty()) {
                LOG.info("PD: create replica {} of region {}{}", peerId, region,
                        create.getBootstrap() ? " (an initial voter)" : "");
                regions.createAsync(region, peerId, create.getBootstrap()).exceptionally(e -> {
                    LOG.warn("could not create replica {} of region {}", peerId, region.regionId(), e);
                    return null;
                });
            }
        }
    }

    /** Starts the instruction; completes with the regions it changed (for an immediate report), possibly none. */
    public CompletableFuture<List<Region>> onRegionInstruction(PdProto.RegionInstruction instruction) {
        Optional<RegionPeer> found = regions.get(instruction.getRegionId());
        RegionEpoch epoch = MetaCodec.fromProto(instruction.getEpoch());
        if (found.isEmpty() || !found.get().isLeader() || !found.get().region().epoch().equals(epoch)) {
            return CompletableFuture.completedFuture(List.of());
        }
        RegionPeer peer = found.get();
        if (instruction.hasSplit()) {
            return split(peer, instruction);
        }
        if (instruction.hasChangePeers()) {
            return changePeers(peer, MetaCodec.peersFromProto(instruction.getChangePeers().getPeersList()),
                    instruction.getReason());
        }
        if (instruction.hasComputeHash()) {
            LOG.info("PD: consistency check of region {} ({})", peer.regionId(), instruction.getReason());
            return peer.proposeShapeChange(new Command.ComputeHash()).handle((result, e) -> {
                if (e != null) {
                    LOG.warn("consistency check of region {} not proposed: {}", peer.regionId(), e.getMessage());
                }
                return List.<Region>of();
            });
        }
        if (instruction.hasPrepareMerge() || instruction.hasCommitMerge() || instruction.hasRollbackMerge()) {
            return mergeStep(peer, instruction);
        }
        if (instruction.hasTransferLeader()) {
            long to = instruction.getTransferLeader().getToStoreId();
            LOG.info("PD: transfer the leader of region {} to store {} ({})", peer.regionId(), to,
                    instruction.getReason());
            return peer.raftGroup().transferLeader(to).handle((v, e) -> {
                if (e != null) {
                    LOG.warn("leader transfer of region {} to store {} failed: {}", peer.regionId(), to,
                            e.getMessage());
                }
                return List.of();
            });
        }
        return CompletableFuture.completedFuture(List.of());
    }

    /**
     * One membership step. Heartbeats repeat an instruction until the PD sees it done, so a step already applied,
     * or one still in flight for this region, is not started again.
     */
    private CompletableFuture<List<Region>> changePeers(RegionPeer peer, List<Peer> desired, String reason) {
        if (!changing.add(peer.regionId())) {
            return CompletableFuture.completedFuture(List.of());
        }
        if (new HashSet<>(peer.region().peers()).equals(new HashSet<>(desired))) {
            // Recorded already; the Raft membership may still lag (its step failed): finish it, the PD repeats.
            return peer.reconcileMembership().handle((v, e) -> {
                changing.remove(peer.regionId());
                return List.<Region>of();
            });
        }
        LOG.info("PD: region {} peers {} -> {} ({})", peer.regionId(), peer.region().peers(), desired, reason);
        return peer.changePeers(desired).handle((region, e) -> {
            changing.remove(peer.regionId());
            if (e != null) {
                LOG.warn("changing the peers of region {} failed: {}", peer.regionId(), e.getMessage());
                return List.<Region>of();
            }
            return List.of(region);
        });
    }

    /**
     * One step of a merge, proposed through the region's log. Heartbeats repeat the step until the PD sees it done:
     * a freeze already applied is not proposed again, nor a step still in flight.
     */
    private CompletableFuture<List<Region>> mergeStep(RegionPeer peer, PdProto.RegionInstruction instruction) {
        Command step;
        if (instruction.hasPrepareMerge()) {
            if (peer.isFrozen()) {
                return CompletableFuture.completedFuture(List.of());
            }
            step = new Command.PrepareMerge(instruction.getPrepareMerge().getTargetRegionId());
        } else if (instruction.hasCommitMerge()) {
            step = new Command.CommitMerge(MetaCodec.fromProto(instruction.getCommitMerge().getSource()));
        } else {
            if (!peer.isFrozen()) {
                return CompletableFuture.completedFuture(List.of());
            }
            step = new Command.RollbackMerge();
        }
        if (!changing.add(peer.regionId())) {
            return CompletableFuture.completedFuture(List.of());
        }
        LOG.info("PD: region {} {} ({})", peer.regionId(), step, instruction.getReason());
        return peer.proposeShapeChange(step).handle((result, e) -> {
            changing.remove(peer.regionId());
            if (e != null) {
                LOG.warn("{} of region {} failed: {}", step, peer.regionId(), e.getMessage());
                return List.<Region>of();
            }
            return List.of(((CommandResult.RegionChanged) result).left());
        });
    }

    private CompletableFuture<List<Region>> split(RegionPeer peer, PdProto.RegionInstruction instruction) {
        PdProto.SplitRegion split = instruction.getSplit();
        Optional<Key> key = split.getSplitKey().isEmpty()
                ? SplitKeys.splitting(peer.engine(), peer.region().range(), Math.max(2, split.getParts()))
                : Optional.of(MetaCodec.keyFromProto(split.getSplitKey()));
        if (key.isEmpty()) {
            LOG.info("PD asked to split region {} ({}) but it has too few keys", peer.regionId(),
                    instruction.getReason());
            return CompletableFuture.completedFuture(List.of());
        }
        LOG.info("PD: split region {} at {} into new region {} ({})", peer.regionId(), key.get(),
                split.getNewRegionId(), instruction.getReason());
        return peer.split(key.get(), split.getNewRegionId(), split.getNewPeerIdsList()).handle((result, e) -> {
            if (e != null) {
                LOG.warn("split of region {} failed: {}", peer.regionId(), e.getMessage());
                return List.of();
            }
            CommandResult.RegionChanged changed = (CommandResult.RegionChanged) result;
            return List.of(changed.left(), changed.right());
        });
    }
}
