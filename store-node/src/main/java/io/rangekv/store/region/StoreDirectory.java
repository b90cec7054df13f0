package io.rangekv.store.region;

import io.rangekv.meta.Store;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where the other stores are: a store id's KV and Raft addresses, and back. Regions name peers by store id; the Raft
 * library needs addresses. Today a static map from config; the placement driver will feed it later.
 *
 * <p>Thread-safe.
 */
public interface StoreDirectory {
    Optional<Store> store(long storeId);

    OptionalLong storeIdByRaftAddress(String hostPort);
}
