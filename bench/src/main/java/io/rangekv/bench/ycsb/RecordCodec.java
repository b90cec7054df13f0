package io.rangekv.bench.ycsb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One YCSB record (field name to value) as one RangeKV value, fields length-prefixed:
 *
 * <pre>
 *   format (1 byte, = 1) | field count (int) | per field: name length (int) | name (UTF-8) | value length (int) | value
 * </pre>
 *
 * Integers are 4 bytes, big-endian. Fields keep the order of the map they were encoded from. A value that does not
 * follow this layout exactly (wrong format byte, a length running past the end, bytes left over, a repeated field)
 * is rejected with an {@link IllegalArgumentException} that says where it broke; nothing is guessed.
 */
public final class RecordCodec {
    static final byte FORMAT = 1;
    private static final int HEADER_BYTES = 1 + Integer.BYTES;

    private RecordCodec() {
    }

    public static byte[] encode(Map<String, byte[]> fields) {
        int size = HEADER_BYTES;
        byte[][] names = new byte[fields.size()][];
        int i = 0;
        for (Map.Entry<String, byte[]> field : fields.entrySet()) {
            names[i] = field.getKey().getBytes(StandardCharsets.UTF_8);
            size = Math.addExact(size, 2 * Integer.BYTES + names[i].length + field.getValue().length);
            i++;
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT).putInt(fields.size());
        i = 0;
        for (byte[] value : fields.values()) {
            out.putInt(names[i].length).put(names[i]).putInt(value.length).put(value);
            i++;
        }
        return out.array();
    }

    /** Every field of {@code record}, in stored order. */
    public static Map<String, byte[]> decode(byte[] record) {
        return decode(record, null);
    }

    /**
     * The fields of {@code record} named in {@code wanted} (null: all of them), in stored order; a wanted field the
     * record lacks is simply absent. The whole record is checked either way.
     */
    public static Map<String, byte[]> decode(byte[] record, Set<String> wanted) {
        ByteBuffer in = ByteBuffer.wrap(record);
        if (in.remaining() < HEADER_BYTES) {
            throw corrupt(record, "shorter than its " + HEADER_BYTES + "-byte header");
        }
        byte format = in.get();
        if (format != FORMAT) {
            throw corrupt(record, "format byte is " + format + ", expected " + FORMAT);
        }
        int count = in.getInt();
        // Each field takes at least its two lengths: a count beyond that cannot be true.
        if (count < 0 || count > in.remaining() / (2 * Integer.BYTES)) {
            throw corrupt(record, "field count " + count + " does not fit in " + in.remaining() + " bytes");
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (int f = 0; f < count; f++) {
            String name = new String(chunk(in, record, "name of field " + f), StandardCharsets.UTF_8);
            int valueAt = in.position();
            int valueLength = length(in, record, "value of field " + f + " (" + name + ")");
            if (!seen.add(name)) {
                throw corrupt(record, "field " + name + " appears twice");
            }
            if (wanted == null || wanted.contains(name)) {
                byte[] value = new byte[valueLength];
                in.get(value);
                out.put(name, value);
            } else {
                in.position(valueAt + Integer.BYTES + valueLength);
            }
        }
        if (in.hasRemaining()) {
            throw corrupt(record, in.remaining() + " bytes left after the last field");
        }
        return out;
    }

    /** {@code record}'s fields with {@code updates} replacing or adding fields (the YCSB update). */
    public static byte[] merge(byte[] record, Map<String, byte[]> updates) {
        Map<String, byte[]> fields = decode(record);
        fields.putAll(updates);
        return encode(fields);
    }

    private static byte[] chunk(ByteBuffer in, byte[] record, String what) {
        byte[] bytes = new byte[length(in, record, what)];
        in.get(bytes);
        return bytes;
    }

    /** Reads a length and checks that that many bytes follow. */
    private static int length(ByteBuffer in, byte[] record, String what) {
        int at = in.position();
        if (in.remaining() < Integer.BYTES) {
            throw corrupt(record, "ends at byte " + at + " before the length of the " + what);
        }
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw corrupt(record, "the " + what + " at byte " + at + " claims " + length + " bytes, "
                    + in.remaining() + " remain");
        }
        return length;
    }

    private static IllegalArgumentException corrupt(byte[] record, String reason) {
        return new IllegalArgumentException("not a YCSB record (" + record.length + " bytes): " + reason);
    }
}
