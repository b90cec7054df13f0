package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Spreads the leaders of hot regions (at least {@code schedule.hot-region-qps} keys read and written per second)
 * across stores: leaders serve every linearizable read and every write, so two hot leaders on one store double its
 * load while another idles. Moves one leader per round from the store with the most hot leaders to the region's
 * voter on the store with the fewest, when they differ by two or more and that store has fewer leaders in all (so
 * the leader balancer, which moves the coldest leaders, does not undo it). A leader transfer moves no data. Pure.
 */
public final class HotRegionScheduler {
    private HotRegionScheduler() {
    }

    public static Optional<Operator> spreadHotLeaders(ClusterView view, LongPredicate busy, long hotQps,
                                                      LongSupplier operatorIds, long now) {
        Map<Long, Long> hotLeaders = new TreeMap<>();
        view.upStores().forEach(s -> hotLeaders.put(s.storeId(), 0L));
        List<RegionView> hot = view.regions().stream().filter(r -> r.keysPerSec() >= hotQps && r.leader().isPresent())
                .sorted(Comparator.comparingDouble(RegionView::keysPerSec).reversed()).toList();
        hot.forEach(r -> hotLeaders.computeIfPresent(r.leader().get().storeId(), (k, n) -> n + 1));
        if (hotLeaders.size() < 2) {
            return Optional.empty();
        }
        long most = hotLeaders.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        Map<Long, Long> leaders = view.leaderCounts();
        for (RegionView r : hot) {
            if (!r.ledBy(most) || busy.test(r.regionId())) {
                continue;
            }
            Optional<Long> to = r.leaderCandidateStores().stream()
                    .filter(s -> hotLeaders.containsKey(s) && hotLeaders.get(s) + 2 <= hotLeaders.get(most))
                    // Never towards a store with more leaders: the leader balancer would only move one back.
                    .filter(s -> leaders.getOrDefault(s, 0L) < leaders.getOrDefault(most, 0L))
                    .min(Comparator.comparingLong((Long s) -> hotLeaders.get(s)).thenComparingLong(s -> s));
            if (to.isPresent()) {
                return Optional.of(new Operator(operatorIds.getAsLong(), r.regionId(), "hot-leader",
                        String.format("%.0f keys/s; store %d leads %d hot regions, store %d %d", r.keysPerSec(),
                                most, hotLeaders.get(most), to.get(), hotLeaders.get(to.get())),
                        List.of(new Step.TransferLeader(to.get())), now));
            }
        }
        return Optional.empty();
    }
}
