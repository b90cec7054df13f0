package io.rangekv.systest.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Admin range changes at random from the seed, during the faults, through the PD admin API: splits (at a bucket
 * boundary inside the region, or the middle), merges into a neighbour, replica moves, leader transfers, and once per
 * run a store taken offline (drained to TOMBSTONE) and replaced by a new store. The PD's own schedulers run as well,
 * with low thresholds ({@link ChaosSettings#pdConfig()}).
 */
final class Churn {
    enum Action { SPLIT, MERGE, MOVE, TRANSFER_LEADER, STORE_OFFLINE }

    record Request(Action action, String what, long startMs, long endMs, int status, FaultKind duringFault,
                   String answer) {
        String line(long runStartMs) {
            return String.format("%.1f\t%.1f\t%s\t%s\t%d\t%s\t%s", (startMs - runStartMs) / 1000.0,
                    (endMs - runStartMs) / 1000.0, action, what, status, duringFault == null ? "-" : duringFault,
                    answer.replace('\n', ' '));
        }
    }

    private final ChaosCluster cluster;
    private final PdAdmin admin;
    private final Observer observer;
    private final Supplier<FaultEvent> activeFault;
    private final Random random;
    private final int buckets;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile long offlineStore;
    private volatile long replacementStore;
    private boolean replaceDone;

    Churn(ChaosCluster cluster, PdAdmin admin, Observer observer, Supplier<FaultEvent> activeFault, long seed,
          int buckets) {
        this.cluster = cluster;
        this.admin = admin;
        this.observer = observer;
        this.activeFault = activeFault;
        this.random = new Random(seed ^ 0xC4A05L);
        this.buckets = buckets;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The store taken offline (0: none yet). */
    long offlineStore() {
        return offlineStore;
    }

    long replacementStore() {
        return replacementStore;
    }

    /** The pause before the next request, 0.8-2.5 s. */
    long nextPauseMs() {
        return 800 + random.nextInt(1700);
    }

    /** One admin request; {@code allowReplace}: whether the store offline + replace may be chosen now. */
    void runOne(boolean allowReplace) {
        List<PdAdmin.Region> regions = observer.regionList();
        if (regions.isEmpty()) {
            return;
        }
        if (allowReplace && !replaceDone) {
            replaceDone = true;
            replaceAStore();
            return;
        }
        int dice = random.nextInt(100);
        PdAdmin.Region r = regions.get(random.nextInt(regions.size()));
        if (dice < 35) {
            String key = splitKeyInside(r);
            record(Action.SPLIT, "region " + r.id() + " at " + (key == null ? "the middle" : key),
                    () -> admin.split(r.id(), key));
        } else if (dice < 55) {
            Optional<PdAdmin.Region> neighbour = regions.stream().filter(o -> o.start().equals(r.end())
                    || o.end().equals(r.start())).findFirst();
            if (neighbour.isPresent()) {
                record(Action.MERGE, "region " + r.id() + " into " + neighbour.get().id(),
                        () -> admin.merge(r.id(), neighbour.get().id()));
            }
        } else if (dice < 80) {
            List<Long> targets = upStores().stream().filter(s -> !r.storeIds().contains(s)).toList();
            if (!targets.isEmpty() && !r.storeIds().isEmpty()) {
                long from = r.storeIds().get(random.nextInt(r.storeIds().size()));
                long to = targets.get(random.nextInt(targets.size()));
                record(Action.MOVE, "region " + r.id() + " " + from + " -> " + to, () -> admin.move(r.id(), from, to));
            }
        } else {
            List<Long> others = r.peers().stream().filter(p -> p.role().equals("VOTER")
                    && p.storeId() != r.leaderStore()).map(PdAdmin.Peer::storeId).toList();
            if (!others.isEmpty()) {
                long to = others.get(random.nextInt(others.size()));
                record(Action.TRANSFER_LEADER, "region " + r.id() + " to " + to,
                        () -> admin.transferLeader(r.id(), to));
            }
        }
    }

    /** A bucket boundary strictly inside the region (so the split is real), or null for the middle by size. */
    private String splitKeyInside(PdAdmin.Region r) {
        List<String> inside = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            for (String k : List.of(Keyspace.boundary(b), Keyspace.bucket(b) + "s", Keyspace.bucket(b) + "i/e1")) {
                if (r.contains(k) && !k.equals(r.start())) {
                    inside.add(k);
                }
            }
        }
        if (inside.isEmpty() || random.nextInt(4) == 0) {
            return null;
        }
        return inside.get(random.nextInt(inside.size()));
    }

    private List<Long> upStores() {
        List<Long> out = new ArrayList<>();
        for (Map.Entry<Long, String> e : observer.stores().entrySet()) {
            if (e.getValue().equals("UP")) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Takes a random store offline and starts a new store (a new id, in a new namespace) to take its place. */
    private void replaceAStore() {
        List<ChaosCluster.Node> stores = cluster.stores();
        ChaosCluster.Node victim = stores.get(random.nextInt(stores.size()));
        long newId = cluster.all().stream().filter(n -> n.role == ChaosCluster.Role.STORE).mapToLong(n -> n.id)
                .max().orElse(0) + 1;
        ClientLink.HttpAnswer a = record(Action.STORE_OFFLINE, "store " + victim.id + " offline, store " + newId
                + " replaces it", () -> admin.storeOffline(victim.id));
        if (a.ok()) {
            offlineStore = victim.id;
        }
        cluster.addStore(newId);
        replacementStore = newId;
        System.out.printf("chaos: store %d offline (%s), store %d started to replace it%n", victim.id, a.status(),
                newId);
    }

    /** Retires the offline store's process once the PD has it TOMBSTONE (drained); true when done or none. */
    boolean retireIfTombstoned() {
        long id = offlineStore;
        if (id == 0) {
            return true;
        }
        ChaosCluster.Node n = cluster.storeById(id);
        if (n.retired) {
            return true;
        }
        if ("TOMBSTONE".equals(observer.stores().get(id))) {
            cluster.retire(n);
            System.out.printf("chaos: store %d is TOMBSTONE, its process stopped%n", id);
            return true;
        }
        return false;
    }

    private ClientLink.HttpAnswer record(Action action, String what, Supplier<ClientLink.HttpAnswer> call) {
        FaultEvent f = activeFault.get();
        long start = System.currentTimeMillis();
        ClientLink.HttpAnswer a = call.get();
        FaultEvent after = activeFault.get();
        FaultKind fault = f != null ? f.kind() : after != null ? after.kind() : null;
        String answer = a.error() != null ? a.error() : a.json().path("message").asText(a.json().toString());
        requests.add(new Request(action, what, start, System.currentTimeMillis(), a.status(), fault, answer));
        return a;
    }
}
