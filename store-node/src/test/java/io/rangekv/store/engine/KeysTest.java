package io.rangekv.store.engine;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pins the physical key layout: changing it silently would orphan every stored byte. */
class KeysTest {
    @Test
    void dataKeysAreUserKeysBehindOnePrefixByte() {
        assertEquals("02616263", HexFormat.of().formatHex(Keys.data(Key.of("abc"))));
        assertArrayEquals(Key.of("abc").toBytes(), Keys.userKey(Keys.data(Key.of("abc"))));
        assertEquals("02", HexFormat.of().formatHex(Keys.data(Key.EMPTY)));
    }

    @Test
    void regionStateKeysAreBigEndianRegionIds() {
        assertEquals("01000000000000012c01", HexFormat.of().formatHex(Keys.regionState(300)));
        assertEquals(300, Keys.regionIdOfState(Keys.regionState(300)));
        assertTrue(Key.compare(Keys.regionState(2), Keys.regionState(256)) < 0, "region ids sort numerically");
    }

    @Test
    void metadataSortsBeforeAllDataAndRangesMapOntoData() {
        assertTrue(Key.compare(Keys.regionStateEnd(), Keys.data(Key.EMPTY)) <= 0);
        KeyRange all = KeyRange.ALL;
        assertEquals("02", HexFormat.of().formatHex(Keys.dataStart(all)));
        assertEquals("03", HexFormat.of().formatHex(Keys.dataEnd(all)));
        byte[] biggest = Keys.data(Key.wrap(new byte[] {(byte) 0xff, (byte) 0xff}));
        assertTrue(Key.compare(biggest, Keys.dataEnd(all)) < 0, "every data key is below the unbounded end");
    }
}
