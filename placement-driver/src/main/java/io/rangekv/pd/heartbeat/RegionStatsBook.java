package io.rangekv.pd.heartbeat;

import io.rangekv.meta.Peer;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Clock;
import io.rangekv.wire.MetaCodec;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the PD leader heard last from each region's leader: who leads, how big the region is, how busy. Soft state,
 * like {@link StoreStatsBook}. Thread-safe.
 */
public final class RegionStatsBook {
    private final Clock clock;
    private final Map<Long, Stats> byRegion = new ConcurrentHashMap<>();
    private final Map<Long, io.rangekv.meta.Region> initialRegions = new ConcurrentHashMap<>();

    /** One region's latest report, rates per second over the report's interval. */
    public record Stats(Peer leader, long approximateBytes, long approximateKeys, double writeBytesPerSec,
                        double readBytesPerSec, double writeKeysPerSec, double readKeysPerSec,
                        long receivedAtNanos) {
        public void fill(PdProto.RegionInfo.Builder info) {
            info.setLeader(MetaCodec.toProto(leader)).setApproximateBytes(approximateBytes)
                    .setApproximateKeys(approximateKeys).setWriteBytesPerSec(writeBytesPerSec)
                    .setReadBytesPerSec(readBytesPerSec).setWriteKeysPerSec(writeKeysPerSec)
                    .setReadKeysPerSec(readKeysPerSec);
        }
    }

    public RegionStatsBook(Clock clock) {
        this.clock = clock;
    }

    public void record(PdProto.RegionReport report) {
        if (report.hasInitialRegion()) {
            initialRegions.put(report.getRegion().getRegionId(), MetaCodec.fromProto(report.getInitialRegion()));
        }
        double seconds = Math.max(1, report.getIntervalMs()) / 1000.0;
        byRegion.put(report.getRegion().getRegionId(), new Stats(MetaCodec.fromProto(report.getLeader()),
                report.getApproximateBytes(), report.getApproximateKeys(),
                report.getBytesWritten() / seconds, report.getBytesRead() / seconds,
                report.getKeysWritten() / seconds, report.getKeysRead() / seconds, clock.nanoTime()));
    }

    /** The region as it was at log index 0, as its leader reported: what a new replica starts from. */
    public Optional<io.rangekv.meta.Region> initialRegion(long regionId) {
        return Optional.ofNullable(initialRegions.get(regionId));
    }

    public Optional<Stats> latest(long regionId) {
        return Optional.ofNullable(byRegion.get(regionId));
    }

    /** The leader's store of every region heard from, by region id. */
    public Map<Long, Long> leaderStores() {
        Map<Long, Long> out = new java.util.TreeMap<>();
        byRegion.forEach((regionId, stats) -> out.put(regionId, stats.leader().storeId()));
        return out;
    }

    public void clear() {
        byRegion.clear();
        initialRegions.clear();
    }
}
