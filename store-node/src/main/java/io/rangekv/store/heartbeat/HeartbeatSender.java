package io.rangekv.store.heartbeat;

import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.rpc.PdRpcClient;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.region.RegionLoad;
import io.rangekv.store.region.RegionPeer;
import io.rangekv.store.region.RegionRegistry;
import io.rangekv.store.region.StaticStoreDirectory;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The store's side of the PD conversation, once per {@code pd.heartbeat-interval} on the {@code store-heartbeat}
 * thread: register the store (until the PD has it), send the StoreHeartbeat (stats, hosted regions; the reply
 * brings the store list and store instructions), then one RegionHeartbeat for every region this store leads (the
 * reply brings region instructions). A PD that cannot be reached costs one missed round, logged, never a stop.
 */
public final class HeartbeatSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatSender.class);

    private final long storeId;
    private final Path dataDir;
    private final PdLink link;
    private final Supplier<Store> self;
    private final RegionRegistry regions;
    private final StaticStoreDirectory directory;
    private final Engine engine;
    private final InstructionHandler instructions;
    private final PdRpcClient pd;
    private final ScheduledExecutorService thread;
    private final long startedAtMillis = System.currentTimeMillis();
    private final Map<Long, SizeSample> sizes = new ConcurrentHashMap<>();
    private final Map<Long, Long> lastReportNanos = new ConcurrentHashMap<>();
    private volatile boolean registered;
    private volatile long knownStoresVersion = -1;
    private volatile boolean pdReachable = true;

    /** A region's measured size, valid for one epoch version and until the size-check interval passes. */
    private record SizeSample(long version, long bytes, long keys, long measuredAtNanos) {
    }

    public HeartbeatSender(long storeId, Path dataDir, PdLink link, Supplier<Store> self, RegionRegistry regions,
                           StaticStoreDirectory directory, Engine engine) {
        this.storeId = storeId;
        this.dataDir = dataDir;
        this.link = link;
        this.self = self;
        this.regions = regions;
        this.directory = directory;
        this.engine = engine;
        this.instructions = new InstructionHandler(regions);
        this.pd = new PdRpcClient(link.endpoints(), "store-pd");
        this.thread = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("store-heartbeat", true));
    }

    public void start() {
        thread.scheduleWithFixedDelay(this::round, 0, link.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void round() {
        try {
            if (!registered) {
                register();
            }
            storeHeartbeat();
            regionHeartbeat(leaderRegions());
            if (!pdReachable) {
                LOG.info("store {} reaches the PD again (leader {})", storeId, pd.leader());
                pdReachable = true;
            }
        } catch (Exception e) {
            if (pdReachable) {
                LOG.warn("store {} cannot reach the PD {}: {}", storeId, link.endpoints(), e.getMessage());
                pdReachable = false;
            }
        }
    }

    private PdProto.PdResponse call(PdProto.PdRequest.Builder request) throws Exception {
        Duration budget = link.heartbeatInterval().multipliedBy(3).plusSeconds(2);
        return pd.call(request, Deadline.after(budget)).get(budget.toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    private void register() throws Exception {
        call(PdProto.PdRequest.newBuilder().setPutStore(PdProto.PutStoreRequest.newBuilder()
                .setStore(MetaCodec.toProto(self.get()))));
        registered = true;
        LOG.info("store {} registered with the PD at {}", storeId, pd.leader());
    }

    private void storeHeartbeat() throws Exception {
        Collection<RegionPeer> hosted = regions.all();
        PdProto.StoreHeartbeatRequest.Builder hb = PdProto.StoreHeartbeatRequest.newBuilder()
                .setStoreId(storeId).setStats(stats(hosted)).setKnownStoresVersion(knownStoresVersion);
        hosted.forEach(p -> hb.addRegionIds(p.regionId()).addReplicas(PdProto.HostedReplica.newBuilder()
                .setRegionId(p.regionId()).setPeerId(p.peerId()).setAwaitingSnapshot(p.isAwaitingSnapshot())));
        hosted.stream().filter(RegionPeer::isFrozen).forEach(p -> hb.addMergingRegionIds(p.regionId()));
        for (RegionPeer peer : hosted) {
            peer.lastHash().ifPresent(h -> hb.addReplicaHashes(PdProto.ReplicaHash.newBuilder()
                    .setRegionId(peer.regionId()).setPeerId(peer.peerId())
                    .setAppliedIndex(h.appliedIndex()).setHash(h.hash())));
            if (peer.isQuarantined()) {
                hb.addQuarantinedRegionIds(peer.regionId());
            }
            if (peer.isFailed()) {
                hb.addFailedRegionIds(peer.regionId());
            }
        }
        PdProto.StoreHeartbeatResponse reply = call(PdProto.PdRequest.newBuilder().setStoreHeartbeat(hb))
                .getStoreHeartbeat();
        if (reply.getStoresCount() > 0) {
            List<Store> stores = reply.getStoresList().stream().map(MetaCodec::fromProto).toList();
            stores.forEach(directory::put);
            KnownStores.save(dataDir, stores);
            knownStoresVersion = reply.getStoresVersion();
        }
        reply.getInstructionsList().forEach(instructions::onStoreInstruction);
    }

    private PdProto.StoreStats stats(Collection<RegionPeer> hosted) {
        PdProto.StoreStats.Builder b = PdProto.StoreStats.newBuilder()
                .setRegionCount(hosted.size())
                .setLeaderCount((int) hosted.stream().filter(RegionPeer::isLeader).count())
                .setEngine(engine.kind().label())
                .setStartedAtMs(startedAtMillis)
                .setUsedBytes(sizes.values().stream().mapToLong(SizeSample::bytes).sum());
        try {
            FileStore fs = Files.getFileStore(dataDir);
            b.setCapacityBytes(fs.getTotalSpace()).setAvailableBytes(fs.getUsableSpace());
        } catch (IOException e) {
            LOG.debug("cannot read the file system of {}", dataDir, e);
        }
        return b.build();
    }

    private List<RegionPeer> leaderRegions() {
        return regions.all().stream().filter(p -> p.isLeader() && !p.isFailed()).toList();
    }

    private void regionHeartbeat(List<RegionPeer> leaders) throws Exception {
        if (leaders.isEmpty()) {
            return;
        }
        PdProto.RegionHeartbeatRequest.Builder hb = PdProto.RegionHeartbeatRequest.newBuilder().setStoreId(storeId);
        long now = System.nanoTime();
        for (RegionPeer peer : leaders) {
            hb.addRegions(report(peer, now));
        }
        PdProto.RegionHeartbeatResponse reply = call(PdProto.PdRequest.newBuilder().setRegionHeartbeat(hb))
                .getRegionHeartbeat();
        for (PdProto.RegionInstruction instruction : reply.getInstructionsList()) {
            instructions.onRegionInstruction(instruction).thenAccept(changed -> {
                if (!changed.isEmpty()) {
                    // Tell the PD about both halves of a split at once, so routes never show a gap.
                    thread.execute(() -> reportChanged(changed));
                }
            });
        }
    }

    private void reportChanged(List<Region> changed) {
        PdProto.RegionHeartbeatRequest.Builder hb = PdProto.RegionHeartbeatRequest.newBuilder().setStoreId(storeId);
        for (Region region : changed) {
            PdProto.RegionReport.Builder r = PdProto.RegionReport.newBuilder().setRegion(MetaCodec.toProto(region));
            regions.get(region.regionId()).filter(RegionPeer::isLeader).flatMap(p -> region.peer(p.peerId()))
                    .ifPresent(leader -> r.setLeader(MetaCodec.toProto(leader)));
            hb.addRegions(r);
        }
        try {
            call(PdProto.PdRequest.newBuilder().setRegionHeartbeat(hb));
        } catch (Exception e) {
            LOG.debug("could not report changed regions {} at once; the next round will", changed, e);
        }
    }

    private PdProto.RegionReport report(RegionPeer peer, long now) {
        Region region = peer.region();
        SizeSample size = size(peer, region, now);
        Long last = lastReportNanos.put(region.regionId(), now);
        long intervalMs = last == null ? link.heartbeatInterval().toMillis()
                : Math.max(1, TimeUnit.NANOSECONDS.toMillis(now - last));
        RegionLoad.Counts load = peer.load().drain();
        PdProto.RegionReport.Builder r = PdProto.RegionReport.newBuilder()
                .setRegion(MetaCodec.toProto(region))
                .setApproximateBytes(size.bytes()).setApproximateKeys(size.keys())
                .setIntervalMs(intervalMs)
                .setKeysWritten(load.keysWritten()).setBytesWritten(load.bytesWritten())
                .setKeysRead(load.keysRead())
                .setInitialRegion(MetaCodec.toProto(peer.initialRegion()));
        if (peer.stats() != null) {
            r.setAppliedIndex(peer.stats().appliedIndex());
        }
        region.peer(peer.peerId()).ifPresent(self -> r.setLeader(MetaCodec.toProto(self)));
        return r.build();
    }

    private SizeSample size(RegionPeer peer, Region region, long now) {
        SizeSample cached = sizes.get(region.regionId());
        if (cached != null && cached.version() == region.epoch().version()
                && now - cached.measuredAtNanos() < link.sizeCheckInterval().toNanos()) {
            return cached;
        }
        byte[] from = Keys.dataStart(region.range());
        byte[] to = Keys.dataEnd(region.range());
        SizeSample fresh = new SizeSample(region.epoch().version(), peer.engine().approximateSize(from, to),
                peer.engine().approximateKeys(from, to), now);
        sizes.put(region.regionId(), fresh);
        return fresh;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pd.close();
    }
}
