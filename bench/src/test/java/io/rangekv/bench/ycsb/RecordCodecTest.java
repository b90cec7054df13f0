package io.rangekv.bench.ycsb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The record layout: round trips, field subsets, empty records and values, and corrupt bytes rejected by name. */
class RecordCodecTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> record() {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            fields.put("field" + i, bytes("value of field " + i));
        }
        fields.put("empty", new byte[0]);
        fields.put("naïve ✓", new byte[] {0, (byte) 0xff, 0, 1});
        return fields;
    }

    private static void assertSameFields(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "names, in order");
        expected.forEach((name, value) -> assertArrayEquals(value, actual.get(name), name));
    }

    @Test
    void roundTripKeepsEveryFieldAndItsOrder() {
        Map<String, byte[]> fields = record();
        assertSameFields(fields, RecordCodec.decode(RecordCodec.encode(fields)));
    }

    @Test
    void decodingWithNullFieldsReturnsThemAll() {
        Map<String, byte[]> fields = record();
        assertSameFields(fields, RecordCodec.decode(RecordCodec.encode(fields), null));
    }

    @Test
    void aFieldSubsetReturnsOnlyThoseFieldsAndSkipsMissingOnes() {
        byte[] encoded = RecordCodec.encode(record());
        Map<String, byte[]> subset = RecordCodec.decode(encoded, Set.of("field7", "field2", "no-such-field"));
        assertEquals(List.of("field2", "field7"), List.copyOf(subset.keySet()), "stored order");
        assertArrayEquals(bytes("value of field 2"), subset.get("field2"));
        assertArrayEquals(bytes("value of field 7"), subset.get("field7"));
        assertTrue(RecordCodec.decode(encoded, Set.of()).isEmpty());
    }

    @Test
    void anEmptyRecordIsFiveBytesAndDecodesEmpty() {
        byte[] encoded = RecordCodec.encode(Map.of());
        assertArrayEquals(new byte[] {RecordCodec.FORMAT, 0, 0, 0, 0}, encoded);
        assertTrue(RecordCodec.decode(encoded).isEmpty());
    }

    @Test
    void theLayoutIsLengthPrefixedBigEndian() {
        Map<String, byte[]> one = new LinkedHashMap<>();
        one.put("f", bytes("xyz"));
        byte[] expected = ByteBuffer.allocate(1 + 4 + 4 + 1 + 4 + 3).put(RecordCodec.FORMAT).putInt(1)
                .putInt(1).put(bytes("f")).putInt(3).put(bytes("xyz")).array();
        assertArrayEquals(expected, RecordCodec.encode(one));
    }

    @Test
    void mergeReplacesAndAddsFieldsAndKeepsTheRest() {
        Map<String, byte[]> updates = new LinkedHashMap<>();
        updates.put("field3", bytes("new 3"));
        updates.put("added", bytes("new field"));
        Map<String, byte[]> merged = RecordCodec.decode(RecordCodec.merge(RecordCodec.encode(record()), updates));
        Map<String, byte[]> expected = record();
        expected.putAll(updates);
        assertSameFields(expected, merged);
    }

    static Stream<Arguments> corrupt() {
        byte[] good = RecordCodec.encode(record());
        byte[] badFormat = good.clone();
        badFormat[0] = 7;
        byte[] hugeCount = good.clone();
        ByteBuffer.wrap(hugeCount).putInt(1, Integer.MAX_VALUE);
        byte[] negativeCount = good.clone();
        ByteBuffer.wrap(negativeCount).putInt(1, -1);
        byte[] longName = good.clone();
        ByteBuffer.wrap(longName).putInt(5, 1 << 20);
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        Map<String, byte[]> twice = new LinkedHashMap<>();
        twice.put("a", bytes("1"));
        twice.put("b", bytes("2"));
        byte[] duplicate = RecordCodec.encode(twice);
        duplicate[1 + 4 + (4 + 1 + 4 + 1) + 4] = (byte) 'a'; // rename field b to a
        return Stream.of(
                Arguments.of("no bytes", new byte[0], "shorter than its 5-byte header"),
                Arguments.of("a bare string", bytes("hello world"), "format byte is 104"),
                Arguments.of("unknown format", badFormat, "format byte is 7"),
                Arguments.of("count beyond the bytes", hugeCount, "field count 2147483647 does not fit"),
                Arguments.of("negative count", negativeCount, "field count -1"),
                Arguments.of("truncated", Arrays.copyOf(good, good.length - 3), "value of field 11"),
                Arguments.of("name length past the end", longName, "name of field 0 at byte 5 claims 1048576"),
                Arguments.of("bytes after the last field", trailing, "1 bytes left after the last field"),
                Arguments.of("a field twice", duplicate, "field a appears twice"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corrupt")
    void corruptBytesAreRejectedWithTheReason(String description, byte[] value, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecordCodec.decode(value));
        assertTrue(e.getMessage().startsWith("not a YCSB record (" + value.length + " bytes): "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        // A subset read checks the whole record too.
        assertThrows(IllegalArgumentException.class, () -> RecordCodec.decode(value, Set.of("field1")));
    }
}
