package io.rangekv.meta;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyRangeTest {
    private static KeyRange range(String start, String end) {
        return new KeyRange(Key.of(start), Key.of(end));
    }

    @Test
    void isHalfOpenAndEmptyEndIsUnbounded() {
        KeyRange r = range("b", "d");
        assertTrue(r.contains(Key.of("b")));
        assertTrue(r.contains(Key.of("c\u00ff")));
        assertFalse(r.contains(Key.of("d")));
        assertFalse(r.contains(Key.of("a")));
        assertTrue(KeyRange.ALL.contains(Key.EMPTY));
        assertTrue(range("b", "").contains(Key.wrap(new byte[] {(byte) 0xff, (byte) 0xff})));
    }

    @Test
    void rejectsEmptyOrInvertedRanges() {
        assertThrows(IllegalArgumentException.class, () -> range("b", "b"));
        assertThrows(IllegalArgumentException.class, () -> range("c", "b"));
    }

    @Test
    void splitPointsMustLieStrictlyInside() {
        KeyRange r = range("b", "d");
        assertTrue(r.isStrictlyInside(Key.of("c")));
        assertFalse(r.isStrictlyInside(Key.of("b")));
        assertFalse(r.isStrictlyInside(Key.of("d")));
        assertEquals(range("b", "c"), r.leftOf(Key.of("c")));
        assertEquals(range("c", "d"), r.rightOf(Key.of("c")));
        assertTrue(KeyRange.ALL.isStrictlyInside(Key.of("m")));
        assertFalse(KeyRange.ALL.isStrictlyInside(Key.EMPTY));
    }

    @Test
    void intersectsWithUnboundedEnds() {
        KeyRange r = range("b", "d");
        assertEquals(range("c", "d"), r.intersect(Key.of("c"), Key.EMPTY));
        assertEquals(range("b", "c"), r.intersect(Key.EMPTY, Key.of("c")));
        assertNull(r.intersect(Key.of("d"), Key.of("z")));
        assertNull(r.intersect(Key.of("a"), Key.of("b")));
        assertEquals(range("x", ""), KeyRange.ALL.intersect(Key.of("x"), Key.EMPTY));
    }

    @Test
    void coversOnlyWhollyContainedRanges() {
        assertTrue(range("b", "").covers(range("c", "d")));
        assertTrue(range("b", "").covers(range("c", "")));
        assertFalse(range("b", "d").covers(range("c", "")));
        assertFalse(range("b", "d").covers(range("a", "c")));
        assertTrue(range("b", "d").covers(range("b", "d")));
    }
}
