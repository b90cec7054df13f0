package io.rangekv.pd.schedule;

import io.rangekv.pd.PdConfig;
import io.rangekv.proto.gen.PdProto;

import java.util.Optional;

/**
 * Decides from a region's report whether it has outgrown the split thresholds. Pure: report and thresholds in, a
 * reason (or nothing) out.
 */
public final class SplitChecker {
    private final PdConfig.ScheduleConfig config;

    public SplitChecker(PdConfig.ScheduleConfig config) {
        this.config = config;
    }

    /** Why the region should be split now, or empty. */
    public Optional<String> check(PdProto.RegionReport report) {
        long maxBytes = config.splitSize().bytes();
        if (maxBytes > 0 && report.getApproximateBytes() > maxBytes) {
            return Optional.of("size " + report.getApproximateBytes() + " B > schedule.split-size " + maxBytes + " B");
        }
        if (config.splitKeys() > 0 && report.getApproximateKeys() > config.splitKeys()) {
            return Optional.of("keys " + report.getApproximateKeys() + " > schedule.split-keys " + config.splitKeys());
        }
        return Optional.empty();
    }
}
