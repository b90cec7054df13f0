package io.rangekv.pd.schedule;

import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Clock;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Instructions waiting for their region's next heartbeat, at most one per region, plus a cool-down after each one
 * so a region that has not reported its split yet is not split twice. An instruction is delivered until its region's
 * epoch moves on or it expires. Soft state of the PD leader. Thread-safe.
 */
public final class InstructionQueue {
    private static final Duration EXPIRY = Duration.ofSeconds(30);

    private final Clock clock;
    private final Duration coolDown;
    private final Map<Long, Pending> byRegion = new ConcurrentHashMap<>();
    private final Map<Long, Long> lastIssuedNanos = new ConcurrentHashMap<>();

    private record Pending(PdProto.RegionInstruction instruction, long queuedAtNanos, boolean once) {
    }

    public InstructionQueue(Clock clock, Duration coolDown) {
        this.clock = clock;
        this.coolDown = coolDown;
    }

    /** Queues {@code instruction}, replacing any earlier one for the same region. */
    public void offer(PdProto.RegionInstruction instruction) {
        byRegion.put(instruction.getRegionId(), new Pending(instruction, clock.nanoTime(), false));
        lastIssuedNanos.put(instruction.getRegionId(), clock.nanoTime());
    }

    /**
     * Queues an instruction delivered with the region's next heartbeat only, with no cool-down after it (a
     * consistency check: repeating it would only hash again, and it must not hold up a split).
     */
    public void offerOnce(PdProto.RegionInstruction instruction) {
        byRegion.putIfAbsent(instruction.getRegionId(), new Pending(instruction, clock.nanoTime(), true));
    }

    /** The instruction to send with this heartbeat of a region at {@code epoch}, if one is still valid. */
    public Optional<PdProto.RegionInstruction> due(long regionId, PdProto.RegionReport report) {
        Pending p = byRegion.get(regionId);
        if (p == null) {
            return Optional.empty();
        }
        boolean expired = clock.nanoTime() - p.queuedAtNanos > EXPIRY.toNanos();
        if (expired || !p.instruction.getEpoch().equals(report.getRegion().getEpoch())) {
            byRegion.remove(regionId, p);
            return Optional.empty();
        }
        if (p.once) {
            byRegion.remove(regionId, p);
        }
        return Optional.of(p.instruction);
    }

    /** True while an instruction is queued for the region or one was issued within the cool-down. */
    public boolean isBusy(long regionId) {
        if (byRegion.containsKey(regionId)) {
            return true;
        }
        Long last = lastIssuedNanos.get(regionId);
        return last != null && clock.nanoTime() - last < coolDown.toNanos();
    }

    public void clear() {
        byRegion.clear();
        lastIssuedNanos.clear();
    }
}
