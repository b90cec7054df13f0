package io.rangekv.meta;

import java.util.Map;
import java.util.Objects;

/**
 * One store-node process: where clients reach its KV service, where other stores reach its Raft endpoint, and its
 * labels (for example {@code engine=lmdb}, {@code zone=a}).
 */
public record Store(long storeId, String kvAddress, String raftAddress, Map<String, String> labels, StoreState state) {
    public Store {
        Objects.requireNonNull(kvAddress, "kvAddress");
        Objects.requireNonNull(raftAddress, "raftAddress");
        Objects.requireNonNull(state, "state");
        labels = Map.copyOf(labels);
        if (storeId <= 0) {
            throw new IllegalArgumentException("storeId must be positive: " + storeId);
        }
    }
}
