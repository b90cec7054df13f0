package io.rangekv.pd.meta;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.Store;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.MetaCodec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The PD's durable state: stores, regions (with epochs and peers), the id allocator, whether the cluster is
 * bootstrapped, and the replica count an admin set. Changed only by {@link #apply} with commands committed in the PD's Raft log, so every PD member
 * holds the same state; read by route queries from any thread.
 *
 * <p>Leaders, sizes and rates are not here: they come from heartbeats and live in the leader's memory
 * ({@code pd.heartbeat.RegionStatsBook}).
 *
 * <p>Thread-safe: one writer (the PD state machine), many readers, under a read-write lock.
 */
public final class ClusterMetadata {
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final RegionMap regions = new RegionMap();
    private final Map<Long, Store> stores = new TreeMap<>();
    private long nextId = 1;
    private long storesVersion;
    private boolean bootstrapped;
    private int maxReplicas; // 0: none set by an admin

    /** What applying a command produced, for the proposer. */
    public sealed interface Outcome {
        record Unchanged() implements Outcome {
        }

        record Changed() implements Outcome {
        }

        record IdsAllocated(long first, int count) implements Outcome {
        }

        record Bootstrapped(Region firstRegion) implements Outcome {
        }
    }

    /** Applies one committed command. Deterministic: depends only on the command and the current state. */
    public Outcome apply(PdProto.PdCommand command) {
        lock.writeLock().lock();
        try {
            return switch (command.getKindCase()) {
                case PUT_STORE -> putStore(MetaCodec.fromProto(command.getPutStore().getStore()));
                case PUT_REGIONS -> {
                    boolean changed = false;
                    for (Region region : MetaCodec.regionsFromProto(command.getPutRegions().getRegionsList())) {
                        changed |= regions.put(region);
                    }
                    yield changed ? new Outcome.Changed() : new Outcome.Unchanged();
                }
                case ALLOC_IDS -> {
                    int count = Math.max(1, command.getAllocIds().getCount());
                    long first = nextId;
                    nextId += count;
                    yield new Outcome.IdsAllocated(first, count);
                }
                case BOOTSTRAP -> bootstrap(command.getBootstrap().getStoreIdsList());
                case SET_REPLICATION -> {
                    int wanted = command.getSetReplication().getMaxReplicas();
                    boolean changed = wanted > 0 && wanted != maxReplicas;
                    maxReplicas = changed ? wanted : maxReplicas;
                    yield changed ? new Outcome.Changed() : new Outcome.Unchanged();
                }
                case KIND_NOT_SET -> new Outcome.Unchanged();
            };
        } finally {
            lock.writeLock().unlock();
        }
    }

    private Outcome putStore(Store store) {
        if (store.equals(stores.get(store.storeId()))) {
            return new Outcome.Unchanged();
        }
        stores.put(store.storeId(), store);
        storesVersion++;
        return new Outcome.Changed();
    }

    /** The first region: the whole key space, one voter on each given store; ids from the allocator. */
    private Outcome bootstrap(List<Long> storeIds) {
        if (bootstrapped || storeIds.isEmpty()) {
            return new Outcome.Unchanged();
        }
        long regionId = nextId++;
        List<Peer> peers = new ArrayList<>();
        for (long storeId : storeIds) {
            peers.add(Peer.voter(nextId++, storeId));
        }
        Region first = new Region(regionId, KeyRange.ALL, RegionEpoch.INITIAL, peers);
        regions.put(first);
        bootstrapped = true;
        return new Outcome.Bootstrapped(first);
    }

    /** The replica count an admin set for every region, if any (otherwise {@code pd.max-replicas} applies). */
    public java.util.OptionalInt maxReplicas() {
        lock.readLock().lock();
        try {
            return maxReplicas > 0 ? java.util.OptionalInt.of(maxReplicas) : java.util.OptionalInt.empty();
        } finally {
            lock.readLock().unlock();
        }
    }

    public boolean isBootstrapped() {
        lock.readLock().lock();
        try {
            return bootstrapped;
        } finally {
            lock.readLock().unlock();
        }
    }

    public Optional<Region> regionByKey(Key key) {
        lock.readLock().lock();
        try {
            return regions.byKey(key);
        } finally {
            lock.readLock().unlock();
        }
    }

    public Optional<Region> regionById(long regionId) {
        lock.readLock().lock();
        try {
            return regions.byId(regionId);
        } finally {
            lock.readLock().unlock();
        }
    }

    public Optional<Region> regionBefore(Key key) {
        lock.readLock().lock();
        try {
            return regions.before(key);
        } finally {
            lock.readLock().unlock();
        }
    }

    public List<Region> scanRegions(Key start, Key end, int limit) {
        lock.readLock().lock();
        try {
            return regions.scan(start, end, limit);
        } finally {
            lock.readLock().unlock();
        }
    }

    public Collection<Region> regions() {
        lock.readLock().lock();
        try {
            return regions.all();
        } finally {
            lock.readLock().unlock();
        }
    }

    public Optional<Store> store(long storeId) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(stores.get(storeId));
        } finally {
            lock.readLock().unlock();
        }
    }

    public List<Store> stores() {
        lock.readLock().lock();
        try {
            return List.copyOf(stores.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Bumped whenever a store is added or changes, so stores fetch the list only when it changed. */
    public long storesVersion() {
        lock.readLock().lock();
        try {
            return storesVersion;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The whole state, for a RaftSnapshot. */
    public PdProto.PdState toProto() {
        lock.readLock().lock();
        try {
            PdProto.PdState.Builder b = PdProto.PdState.newBuilder()
                    .setNextId(nextId).setBootstrapped(bootstrapped).setStoresVersion(storesVersion)
                    .setMaxReplicas(maxReplicas);
            stores.values().forEach(s -> b.addStores(MetaCodec.toProto(s)));
            regions.all().forEach(r -> b.addRegions(MetaCodec.toProto(r)));
            return b.build();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Replaces the whole state with a RaftSnapshot's. */
    public void load(PdProto.PdState state) {
        lock.writeLock().lock();
        try {
            stores.clear();
            state.getStoresList().forEach(s -> stores.put(s.getStoreId(), MetaCodec.fromProto(s)));
            regions.clear();
            MetaCodec.regionsFromProto(state.getRegionsList()).forEach(regions::put);
            nextId = state.getNextId();
            bootstrapped = state.getBootstrapped();
            storesVersion = state.getStoresVersion();
            maxReplicas = state.getMaxReplicas();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
