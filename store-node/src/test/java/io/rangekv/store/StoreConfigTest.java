package io.rangekv.store;

import io.rangekv.config.Settings;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreConfigTest {
    @Test
    void labelsGoToThePdWithTheEngineKindAdded() {
        StoreConfig config = StoreConfig.from(new Settings(Map.of("store.id", "4",
                "store.labels", "zone=a, rack=r1", "engine.kind", "lmdb")));
        assertEquals(Map.of("zone", "a", "rack", "r1", "engine", "lmdb"), config.self(20160).labels());
    }

    @Test
    void badLabelsAndMixedBootstrapModesAreRefusedByName() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> StoreConfig.from(
                new Settings(Map.of("store.id", "1", "store.labels", "zone"))));
        assertTrue(bad.getMessage().contains("store.labels"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StoreConfig.from(
                new Settings(Map.of("store.id", "1", "store.labels", "engine=memory"))));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> StoreConfig.from(
                new Settings(Map.of("store.id", "1", "pd.endpoints", "127.0.0.1:2379",
                        "cluster.stores", "1@127.0.0.1:1/2", "cluster.bootstrap-voters", "1"))));
        assertTrue(both.getMessage().contains("pd.endpoints"), both.getMessage());
    }
}
