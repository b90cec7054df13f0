package io.rangekv.store.region;

import io.rangekv.error.RegionException;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Region;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;
import io.rangekv.store.raft.RegionStateCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * The replicas this store hosts, by region id, and their lifecycle: load at start, start a split child, create an
 * empty replica, retire a removed one. Starting and stopping groups happens on the single {@code store-admin}
 * thread, so lifecycle changes never race each other.
 *
 * <p><b>Concurrency</b>: lookups are lock-free (a concurrent map); lifecycle changes are confined to
 * {@code store-admin}.
 */
public final class RegionRegistry implements RegionHost {
    private static final Logger LOG = LoggerFactory.getLogger(RegionRegistry.class);

    /** Creates and destroys Raft groups; supplied by the store so this class stays library-free. */
    public interface Launcher {
        RegionPeer launch(RegionState state);

        /** Deletes a stopped group's Raft log (its replica left this store). */
        void destroy(long regionId);
    }

    private final Map<Long, RegionPeer> peers = new ConcurrentHashMap<>();
    private final Engine engine;
    private final ExecutorService admin;
    private volatile Launcher launcher;

    public RegionRegistry(Engine engine, ExecutorService admin) {
        this.engine = engine;
        this.admin = admin;
    }

    public void setLauncher(Launcher launcher) {
        this.launcher = launcher;
    }

    /** The region states recorded in the engine (tombstones excluded), in region id order. */
    public List<RegionState> loadStates() {
        List<RegionState> states = new ArrayList<>();
        try (EngineIterator it = engine.iterator(Keys.regionStateStart(), Keys.regionStateEnd(), false)) {
            for (; it.isValid(); it.next()) {
                RegionState state = RegionStateCodec.decode(it.value());
                if (!state.tombstone()) {
                    states.add(state);
                }
            }
        }
        return states;
    }

    public Optional<RegionPeer> get(long regionId) {
        return Optional.ofNullable(peers.get(regionId));
    }

    public RegionPeer require(long regionId) {
        RegionPeer peer = peers.get(regionId);
        if (peer == null) {
            throw new RegionException.RegionNotFound(regionId);
        }
        return peer;
    }

    public Collection<RegionPeer> all() {
        return peers.values().stream().sorted(Comparator.comparingLong(RegionPeer::regionId)).toList();
    }

    /** Starts a replica now, on the calling thread (store start-up). */
    public RegionPeer start(RegionState state) {
        RegionPeer peer = launcher.launch(state);
        RegionPeer previous = peers.putIfAbsent(state.region().regionId(), peer);
        if (previous != null) {
            peer.raftGroup().shutdown();
            return previous;
        }
        return peer;
    }

    /**
     * Records a new, empty replica of {@code region} in the engine and starts it; it catches up from the leader.
     * Idempotent: a replica already hosted is left alone.
     */
    public RegionPeer create(Region region, long peerId) {
        RegionPeer existing = peers.get(region.regionId());
        if (existing != null) {
            return existing;
        }
        RegionState state = new RegionState(region, 0, peerId, false);
        engine.write(new WriteBatch().put(Keys.regionState(region.regionId()), RegionStateCodec.encode(state)));
        return start(state);
    }

    /** {@link #create} on the {@code store-admin} thread. */
    public java.util.concurrent.CompletableFuture<RegionPeer> createAsync(Region region, long peerId) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> create(region, peerId), admin);
    }

    @Override
    public void startSplitChild(RegionState child) {
        admin.execute(() -> {
            if (peers.containsKey(child.region().regionId())) {
                return;
            }
            try {
                start(child);
                LOG.info("started region {} {} from a split", child.region().regionId(), child.region().range());
            } catch (RuntimeException e) {
                LOG.error("could not start split child {}", child.region(), e);
            }
        });
    }

    @Override
    public void retire(RegionPeer peer) {
        admin.execute(() -> {
            if (peers.remove(peer.regionId(), peer)) {
                peer.raftGroup().shutdown();
                launcher.destroy(peer.regionId());
                LOG.info("retired replica {} of region {}", peer.peerId(), peer.regionId());
            }
        });
    }

    @Override
    public List<Region> regionsOverlapping(KeyRange range) {
        List<Region> result = new ArrayList<>();
        for (RegionPeer peer : peers.values()) {
            Region r = peer.region();
            if (r.range().intersect(range.start(), range.end()) != null) {
                result.add(r);
            }
        }
        result.sort(Comparator.comparing(r -> r.range().start()));
        return result;
    }

    /** Stops every group (store shutdown). */
    public void stopAll() {
        for (RegionPeer peer : peers.values()) {
            try {
                peer.raftGroup().shutdown();
            } catch (RuntimeException e) {
                LOG.warn("region {} did not stop cleanly", peer.regionId(), e);
            }
        }
        peers.clear();
    }
}
