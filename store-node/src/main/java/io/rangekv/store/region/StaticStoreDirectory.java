package io.rangekv.store.region;

import io.rangekv.meta.Store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A directory of stores known up front (from config or a test fixture); stores can be added while running. */
public final class StaticStoreDirectory implements StoreDirectory {
    private final Map<Long, Store> byId = new ConcurrentHashMap<>();

    public StaticStoreDirectory(List<Store> stores) {
        byId.putAll(stores.stream().collect(Collectors.toMap(Store::storeId, Function.identity())));
    }

    public void put(Store store) {
        byId.put(store.storeId(), store);
    }

    @Override
    public Optional<Store> store(long storeId) {
        return Optional.ofNullable(byId.get(storeId));
    }

    @Override
    public OptionalLong storeIdByRaftAddress(String hostPort) {
        return byId.values().stream()
                .filter(s -> s.raftAddress().equals(hostPort))
                .mapToLong(Store::storeId)
                .findFirst();
    }
}
