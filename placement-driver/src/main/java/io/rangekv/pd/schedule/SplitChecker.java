package io.rangekv.pd.schedule;

import io.rangekv.pd.PdConfig;
import io.rangekv.proto.gen.PdProto;

import java.util.Optional;

/**
 * Decides from a region's report or latest stats whether it has outgrown the split thresholds: size, key count, or
 * load (keys read and written per second above {@code schedule.split-qps} for {@code schedule.split-load-duration}).
 * Pure: sizes and load, how long the region has been hot, and thresholds in; a reason (or nothing) out.
 */
public final class SplitChecker {
    private final PdConfig.ScheduleConfig config;

    public SplitChecker(PdConfig.ScheduleConfig config) {
        this.config = config;
    }

    /** Keys read and written per second in the report's interval. */
    public static double qps(PdProto.RegionReport report) {
        return (report.getKeysRead() + report.getKeysWritten()) * 1000.0 / Math.max(1, report.getIntervalMs());
    }

    /** True when this report alone is over the load threshold. */
    public boolean isHot(PdProto.RegionReport report) {
        return isHot(qps(report));
    }

    /** True when {@code keysPerSec} read and written is over the load threshold. */
    public boolean isHot(double keysPerSec) {
        return config.splitQps() > 0 && keysPerSec > config.splitQps();
    }

    /** Why the region should be split now, or empty; {@code hotFor}: how long it has been hot without a break. */
    public Optional<String> check(PdProto.RegionReport report, java.time.Duration hotFor) {
        return check(report.getApproximateBytes(), report.getApproximateKeys(), qps(report), hotFor);
    }

    /** The same from a region's latest stats: approximate bytes and keys, keys read and written per second. */
    public Optional<String> check(long approximateBytes, long approximateKeys, double keysPerSec,
                                  java.time.Duration hotFor) {
        if (isHot(keysPerSec) && hotFor.compareTo(config.splitLoadDuration()) >= 0) {
            return Optional.of(String.format("load %.0f keys/s > schedule.split-qps %d for %d s", keysPerSec,
                    config.splitQps(), hotFor.toSeconds()));
        }
        long maxBytes = config.splitSize().bytes();
        if (maxBytes > 0 && approximateBytes > maxBytes) {
            return Optional.of("size " + approximateBytes + " B > schedule.split-size " + maxBytes + " B");
        }
        if (config.splitKeys() > 0 && approximateKeys > config.splitKeys()) {
            return Optional.of("keys " + approximateKeys + " > schedule.split-keys " + config.splitKeys());
        }
        return Optional.empty();
    }
}
