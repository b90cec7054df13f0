package io.rangekv.store.cluster;

import io.rangekv.client.pd.PdClient;
import io.rangekv.client.route.RouteEntry;
import io.rangekv.client.rpc.StoreClientPool;
import io.rangekv.meta.Key;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A stand-in for the placement driver in store tests: answers route questions by asking every live store for its
 * regions and keeping the newest epoch of each. Slow and simple on purpose; the real placement driver replaces it.
 */
public final class StoreDiscoveryPdClient implements PdClient, AutoCloseable {
    private final Supplier<Map<Long, String>> liveStores;
    private final StoreClientPool pool = new StoreClientPool(1, 1);

    public StoreDiscoveryPdClient(Supplier<Map<Long, String>> liveStores) {
        this.liveStores = liveStores;
    }

    @Override
    public CompletableFuture<RouteEntry> regionByKey(Key key) {
        return CompletableFuture.supplyAsync(() -> find(r -> r.contains(key)));
    }

    @Override
    public CompletableFuture<RouteEntry> regionBefore(Key key) {
        return CompletableFuture.supplyAsync(() -> find(r -> key.isEmpty() ? r.range().isEndUnbounded()
                : r.range().start().compareTo(key) < 0
                && (r.range().isEndUnbounded() || r.range().end().compareTo(key) >= 0)));
    }

    @Override
    public CompletableFuture<Store> store(long storeId) {
        String address = liveStores.get().get(storeId);
        return address == null
                ? CompletableFuture.completedFuture(new Store(storeId, "127.0.0.1:1", "127.0.0.1:1", Map.of(),
                        StoreState.DOWN))
                : CompletableFuture.completedFuture(new Store(storeId, address, address, Map.of(), StoreState.UP));
    }

    private RouteEntry find(Predicate<Region> wanted) {
        RegionDiscovery seen = RegionDiscovery.ask(pool, liveStores.get());
        // Among overlapping answers, the highest version is the truth (a parent seen before its split is not).
        Optional<Region> best = seen.newest().values().stream().filter(wanted)
                .max((a, b) -> Long.compare(a.epoch().version(), b.epoch().version()));
        Region region = best.orElseThrow(() -> new IllegalStateException("no store knows the region"));
        Long leader = seen.leaderStore().get(region.regionId());
        RouteEntry entry = RouteEntry.of(region);
        return leader == null ? entry : region.peerOnStore(leader).map(entry::withLeader).orElse(entry);
    }

    @Override
    public void close() {
        pool.close();
    }
}
