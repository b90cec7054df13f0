package io.rangekv.pd.schedule;

import io.rangekv.config.DataSize;
import io.rangekv.pd.PdConfig;
import io.rangekv.proto.gen.MetaProto;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitCheckerTest {
    private static PdProto.RegionReport report(long bytes, long keys, long version) {
        return PdProto.RegionReport.newBuilder().setRegion(MetaProto.Region.newBuilder().setRegionId(5)
                        .setEpoch(MetaProto.RegionEpoch.newBuilder().setConfVersion(1).setVersion(version)))
                .setApproximateBytes(bytes).setApproximateKeys(keys).build();
    }

    @Test
    void splitsPastEitherThresholdAndNeverWhenDisabled() {
        SplitChecker checker = new SplitChecker(PdConfig.ScheduleConfig.DEFAULTS.withSplit(DataSize.ofBytes(1000), 10,
                Duration.ofSeconds(1)));
        assertTrue(checker.check(report(1001, 1, 1), Duration.ZERO).orElseThrow().contains("split-size"));
        assertTrue(checker.check(report(1, 11, 1), Duration.ZERO).orElseThrow().contains("split-keys"));
        assertFalse(checker.check(report(1000, 10, 1), Duration.ZERO).isPresent());
        SplitChecker off = new SplitChecker(PdConfig.ScheduleConfig.DEFAULTS.withSplit(DataSize.ofBytes(0), 0,
                Duration.ofSeconds(1)));
        assertFalse(off.check(report(Long.MAX_VALUE, Long.MAX_VALUE, 1), Duration.ZERO).isPresent());
    }

    @Test
    void aRegionHotForLongEnoughIsSplitByLoad() {
        SplitChecker checker = new SplitChecker(PdConfig.ScheduleConfig.DEFAULTS.withSplit(DataSize.ofBytes(0), 0,
                Duration.ofSeconds(1)).withLoadSplit(100, Duration.ofSeconds(5)));
        PdProto.RegionReport busy = report(10, 10, 1).toBuilder().setIntervalMs(1000).setKeysRead(150)
                .setKeysWritten(10).build();
        assertTrue(checker.isHot(busy));
        assertFalse(checker.check(busy, Duration.ofSeconds(4)).isPresent(), "not hot for long enough yet");
        assertTrue(checker.check(busy, Duration.ofSeconds(5)).orElseThrow().contains("split-qps"));
        PdProto.RegionReport calm = busy.toBuilder().setKeysRead(50).build();
        assertFalse(checker.isHot(calm));
    }

    @Test
    void aQueuedInstructionIsDeliveredUntilTheEpochMovesOnAndCoolsDown() {
        long[] now = {0};
        Clock clock = new Clock() {
            @Override
            public long nanoTime() {
                return now[0];
            }

            @Override
            public long currentTimeMillis() {
                return now[0] / 1_000_000;
            }
        };
        InstructionQueue queue = new InstructionQueue(clock, Duration.ofSeconds(5));
        PdProto.RegionInstruction split = PdProto.RegionInstruction.newBuilder().setRegionId(5)
                .setEpoch(MetaProto.RegionEpoch.newBuilder().setConfVersion(1).setVersion(1))
                .setSplit(PdProto.SplitRegion.newBuilder().setNewRegionId(9)).build();
        queue.offer(split);
        assertTrue(queue.isBusy(5));
        assertEquals(split, queue.due(5, report(0, 0, 1)).orElseThrow());
        assertEquals(split, queue.due(5, report(0, 0, 1)).orElseThrow(), "repeated until done");
        assertFalse(queue.due(5, report(0, 0, 2)).isPresent(), "the region split: the instruction is spent");
        assertTrue(queue.isBusy(5), "cooling down");
        now[0] += Duration.ofSeconds(6).toNanos();
        assertFalse(queue.isBusy(5));
    }
}
