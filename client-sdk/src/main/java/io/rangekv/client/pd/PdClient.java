package io.rangekv.client.pd;

import io.rangekv.client.route.RouteEntry;
import io.rangekv.meta.Key;
import io.rangekv.meta.Store;

import java.util.concurrent.CompletableFuture;

/**
 * What the client asks the placement driver: which region holds a key (with its leader, when known) and where a
 * store is. The remote implementation arrives with the placement driver; tests use fakes.
 */
public interface PdClient {
    CompletableFuture<RouteEntry> regionByKey(Key key);

    /** The region holding the keys just below {@code key} (an empty key: the last region), for reverse scans. */
    CompletableFuture<RouteEntry> regionBefore(Key key);

    CompletableFuture<Store> store(long storeId);
}
