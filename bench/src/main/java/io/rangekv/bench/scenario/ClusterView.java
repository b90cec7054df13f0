package io.rangekv.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.rangekv.ctl.AdminApi;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One reading of the PD's cluster map (regions, stores, running operators) and the questions the scale-out
 * scenario asks of it. Immutable; {@link #read} takes a fresh one.
 */
record ClusterView(JsonNode regions, JsonNode stores, JsonNode operators, int maxReplicas) {
    static ClusterView read(AdminApi pd) {
        return new ClusterView(pd.get("/regions").path("regions"), pd.get("/stores").path("stores"),
                pd.get("/operators"), pd.get("/config").path("max_replicas").asInt());
    }

    int regionCount() {
        return regions.size();
    }

    /** Replicas (voters and learners) on each of {@code stores}, zero where a store has none. */
    Map<Long, Long> replicasPerStore(Set<Long> stores) {
        Map<Long, Long> counts = new TreeMap<>();
        stores.forEach(s -> counts.put(s, 0L));
        for (JsonNode r : regions) {
            for (JsonNode p : r.path("peers")) {
                counts.merge(p.path("store_id").asLong(), 1L, Long::sum);
            }
        }
        return counts;
    }

    /**
     * Settled on exactly {@code live} stores: every region has max-replicas voters, none of them elsewhere (on a
     * killed store, say), replicas spread over the live stores within one of each other (the PD's default balance
     * tolerance), and no operator moving replicas. This is the scenario's "time to rebalance" end point.
     */
    boolean settledOn(Set<Long> live) {
        for (JsonNode r : regions) {
            int voters = 0;
            for (JsonNode p : r.path("peers")) {
                if (!live.contains(p.path("store_id").asLong()) || !p.path("role").asText().equals("VOTER")) {
                    return false;
                }
                voters++;
            }
            if (voters != maxReplicas) {
                return false;
            }
        }
        Map<Long, Long> counts = replicasPerStore(live);
        counts.keySet().retainAll(live);
        long max = counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long min = counts.values().stream().mapToLong(Long::longValue).min().orElse(0);
        for (JsonNode op : operators.path("running")) {
            if (movesReplicas(op)) {
                return false;
            }
        }
        return max - min <= 1;
    }

    /**
     * Whether an operator changes where replicas live. Leader transfers do not count: under load the hot-region
     * scheduler keeps spreading hot leaders, so waiting for none would never end while the replicas long settled.
     */
    private static boolean movesReplicas(JsonNode operator) {
        for (JsonNode step : operator.path("steps")) {
            if (!step.asText().startsWith("TransferLeader")) {
                return true;
            }
        }
        return false;
    }

    /** The region with the most keys, for the split step. */
    Optional<JsonNode> largestRegion() {
        JsonNode best = null;
        for (JsonNode r : regions) {
            if (best == null || r.path("approximate_keys").asLong() > best.path("approximate_keys").asLong()) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A region with a replica on {@code from} and none on {@code to}, for the move step. */
    Optional<JsonNode> regionMovable(long from, long to) {
        for (JsonNode r : regions) {
            boolean onFrom = false;
            boolean onTo = false;
            for (JsonNode p : r.path("peers")) {
                onFrom |= p.path("store_id").asLong() == from;
                onTo |= p.path("store_id").asLong() == to;
            }
            if (onFrom && !onTo) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** A short state line for progress output and timeouts: regions and replicas per store. */
    String describe(Set<Long> stores) {
        return regionCount() + " regions, replicas per store " + replicasPerStore(stores) + ", "
                + operators.path("running").size() + " operators running";
    }
}
