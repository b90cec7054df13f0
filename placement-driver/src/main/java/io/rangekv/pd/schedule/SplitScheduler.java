package io.rangekv.pd.schedule;

import io.rangekv.concurrent.ConfinedTo;
import io.rangekv.time.Clock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * Automatic splits, once per scheduling round from the round's view: a region whose leader's latest report puts it
 * over a {@link SplitChecker} threshold — size, keys, or load sustained without a break — is to be split. Regions
 * that are busy (an operator, frozen, a split queued or cooling down) are left for a later round. Keeps only how
 * long each region has been hot.
 */
@ConfinedTo(DecisionThread.NAME)
public final class SplitScheduler {
    private final DecisionThread thread;
    private final Clock clock;
    private final SplitChecker checker;
    /** Regions over the load threshold, and since when. */
    private final Map<Long, Long> hotSince = new HashMap<>();

    /** One region to split, and why. */
    public record Split(RegionView region, String reason) {
    }

    public SplitScheduler(DecisionThread thread, Clock clock, SplitChecker checker) {
        this.thread = thread;
        this.clock = clock;
        this.checker = checker;
    }

    public List<Split> check(ClusterView view, LongPredicate busy) {
        thread.checkOn();
        long now = clock.nanoTime();
        List<Split> out = new ArrayList<>();
        Map<Long, Long> stillHot = new HashMap<>();
        for (RegionView r : view.regions()) {
            if (r.leader().isEmpty()) {
                continue; // no report from its leader yet: nothing known about its size or load
            }
            Duration hotFor = Duration.ZERO;
            if (checker.isHot(r.keysPerSec())) {
                long since = hotSince.getOrDefault(r.regionId(), now);
                stillHot.put(r.regionId(), since);
                hotFor = Duration.ofNanos(now - since);
            }
            if (busy.test(r.regionId())) {
                continue;
            }
            Optional<String> why = checker.check(r.approximateBytes(), r.approximateKeys(), r.keysPerSec(), hotFor);
            why.ifPresent(reason -> out.add(new Split(r, reason)));
        }
        hotSince.clear();
        hotSince.putAll(stillHot);
        return out;
    }

    /** Forgets everything (a new term of leadership). */
    public void clear() {
        thread.checkOn();
        hotSince.clear();
    }
}
