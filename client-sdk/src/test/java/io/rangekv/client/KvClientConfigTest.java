package io.rangekv.client;

import io.rangekv.client.route.PutCoalescing;
import io.rangekv.config.DataSize;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvClientConfigTest {
    @Test
    void putCoalescingIsOnByDefaultAndWithinWhatAStoreAccepts() {
        PutCoalescing defaults = KvClientConfig.DEFAULTS.putCoalescing();
        assertTrue(defaults.enabled());
        assertTrue(defaults.maxPuts() <= PutCoalescing.STORE_BATCH_LIMIT, "stores refuse larger batches");
        assertTrue(defaults.maxBytes().bytes() < DataSize.ofMegabytes(16).bytes(), "a store's default frame limit");
        assertFalse(PutCoalescing.OFF.enabled());
        assertEquals(PutCoalescing.OFF, KvClientConfig.DEFAULTS.withPutCoalescing(PutCoalescing.OFF).putCoalescing());
    }

    @Test
    void badSettingsNameTheirKey() {
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> new PutCoalescing(PutCoalescing.STORE_BATCH_LIMIT + 1, DataSize.ofMegabytes(1), 2));
        assertTrue(tooMany.getMessage().contains("max-puts"), tooMany.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new PutCoalescing(0, DataSize.ofMegabytes(1), 2));
        assertTrue(none.getMessage().contains("max-puts"), none.getMessage());
        IllegalArgumentException slots = assertThrows(IllegalArgumentException.class,
                () -> new PutCoalescing(128, DataSize.ofMegabytes(1), 0));
        assertTrue(slots.getMessage().contains("send-at-once"), slots.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KvClientConfig.DEFAULTS.withPutCoalescing(null));
    }
}
