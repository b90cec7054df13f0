package io.rangekv.meta;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyTest {
    @Test
    void ordersBytesUnsigned() {
        List<Key> sorted = new ArrayList<>(List.of(
                Key.wrap(new byte[] {(byte) 0xff}),
                Key.wrap(new byte[] {(byte) 0x80}),
                Key.wrap(new byte[] {0x7f}),
                Key.wrap(new byte[] {0x00}),
                Key.EMPTY,
                Key.wrap(new byte[] {0x7f, 0x00})));
        sorted.sort(null);
        assertEquals(List.of(Key.EMPTY, Key.wrap(new byte[] {0x00}), Key.wrap(new byte[] {0x7f}),
                Key.wrap(new byte[] {0x7f, 0x00}), Key.wrap(new byte[] {(byte) 0x80}),
                Key.wrap(new byte[] {(byte) 0xff})), sorted);
    }

    @Test
    void copiesOnTheWayInAndOut() {
        byte[] raw = {1, 2, 3};
        Key key = Key.of(raw);
        raw[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, key.toBytes());
        assertNotSame(key.toBytes(), key.toBytes());
    }

    @Test
    void equalityIsByContent() {
        assertEquals(Key.of("abc"), Key.of(new byte[] {'a', 'b', 'c'}));
        assertEquals(Key.of("abc").hashCode(), Key.of(new byte[] {'a', 'b', 'c'}).hashCode());
    }

    @Test
    void printsTextAsTextAndBinaryAsHex() {
        assertEquals("user/42", Key.of("user/42").toString());
        assertTrue(Key.wrap(new byte[] {0, (byte) 0xfe}).toString().startsWith("0x00fe"));
    }
}
