package io.rangekv.meta;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A key: an immutable byte string ordered by unsigned lexicographic comparison. This class is the one place that
 * ordering is defined; {@link KeyRange} and every engine's order must agree with {@link #compare(byte[], byte[])}.
 */
public final class Key implements Comparable<Key> {
    public static final Key EMPTY = new Key(new byte[0]);

    private final byte[] bytes;

    private Key(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps a copy of {@code bytes}. */
    public static Key of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Key(bytes.clone());
    }

    /** Wraps {@code bytes} without copying; the caller promises never to change them afterwards. */
    public static Key wrap(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Key(bytes);
    }

    public static Key of(String utf8) {
        return wrap(utf8.getBytes(StandardCharsets.UTF_8));
    }

    /** Unsigned lexicographic order: the order of keys everywhere in RangeKV. */
    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** A copy of the bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The bytes themselves, for codecs and engines that only read them. Never modify the array. */
    public byte[] unsafeBytes() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    @Override
    public int compareTo(Key other) {
        return compare(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Printable ASCII as it is, anything else as hex, so logs stay readable for both text and binary keys. */
    @Override
    public String toString() {
        for (byte b : bytes) {
            if (b < 0x20 || b > 0x7e) {
                return "0x" + HexFormat.of().formatHex(bytes);
            }
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
