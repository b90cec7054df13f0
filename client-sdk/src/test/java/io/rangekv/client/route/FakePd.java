package io.rangekv.client.route;

import io.rangekv.client.pd.PdClient;
import io.rangekv.meta.Key;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A placement driver for client tests: every key lies in {@link #answer} (settable), every store is UP at
 * {@code store<id>:1}, and region lookups are counted.
 */
final class FakePd implements PdClient {
    final AtomicInteger regionCalls = new AtomicInteger();
    volatile Region answer;

    FakePd(Region answer) {
        this.answer = answer;
    }

    @Override
    public CompletableFuture<RouteEntry> regionByKey(Key key) {
        regionCalls.incrementAndGet();
        return CompletableFuture.completedFuture(RouteEntry.of(answer));
    }

    @Override
    public CompletableFuture<RouteEntry> regionBefore(Key key) {
        return regionByKey(key);
    }

    @Override
    public CompletableFuture<Store> store(long storeId) {
        return CompletableFuture.completedFuture(new Store(storeId, "store" + storeId + ":1",
                "store" + storeId + ":2", Map.of(), StoreState.UP));
    }
}
