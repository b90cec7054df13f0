package io.rangekv.bench.load;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeySpaceTest {
    @Test
    void distinctRecordsHaveDistinctSixteenByteKeys() {
        Set<String> keys = new HashSet<>();
        for (long r = 0; r < 200_000; r++) {
            byte[] k = KeySpace.key(r);
            assertEquals(16, k.length);
            keys.add(new String(k, StandardCharsets.US_ASCII));
        }
        assertEquals(200_000, keys.size());
        assertTrue(new String(KeySpace.key((1L << KeySpace.POSITION_BITS) - 1), StandardCharsets.US_ASCII)
                .matches("user\\d{12}"));
        assertThrows(IllegalArgumentException.class, () -> KeySpace.key(1L << KeySpace.POSITION_BITS));
        assertThrows(IllegalArgumentException.class, () -> KeySpace.key(-1));
    }

    @Test
    void consecutiveRecordsSpreadEvenlyOverPreSplitRegions() {
        int parts = 8;
        byte[][] bounds = new byte[parts - 1][];
        for (int i = 1; i < parts; i++) {
            bounds[i - 1] = KeySpace.boundary(i, parts);
            assertTrue(i == 1 || Arrays.compareUnsigned(bounds[i - 2], bounds[i - 1]) < 0, "boundaries ascend");
        }
        int[] perRegion = new int[parts];
        for (long r = 0; r < 8_000; r++) {
            byte[] k = KeySpace.key(r);
            int region = 0;
            while (region < parts - 1 && Arrays.compareUnsigned(k, bounds[region]) >= 0) {
                region++;
            }
            perRegion[region]++;
        }
        for (int n : perRegion) {
            assertEquals(1_000, n, 150, "the first 8,000 records by region: " + Arrays.toString(perRegion));
        }
    }
}
