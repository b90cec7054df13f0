package io.rangekv.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Record number to key: {@code user} and a 12-digit number, 16 bytes in all (the key size of MACHINE-NOTES and of
 * YCSB's default). The number is the record's <em>position</em>, a bijective scramble of the record number over
 * [0, 2^39): consecutive records land far apart, so loading and inserting spread over every region instead of
 * appending to the last one (YCSB's {@code insertorder=hashed}), and a scan from a record's key returns other
 * records. Values are random bytes of the workload's size.
 */
public final class KeySpace {
    /** Positions are below 2^39 = 549,755,813,888, which has 12 digits. */
    static final int POSITION_BITS = 39;
    private static final long MASK = (1L << POSITION_BITS) - 1;
    /** Odd multipliers, so multiplication modulo 2^39 is a bijection; xor with a right shift is one too. */
    private static final long M1 = 0x9E3779B97F4A7C15L & MASK | 1;
    private static final long M2 = 0xBF58476D1CE4E5B9L & MASK | 1;

    private KeySpace() {
    }

    public static byte[] key(long record) {
        if (record < 0 || record > MASK) {
            throw new IllegalArgumentException("record number out of range: " + record);
        }
        return keyAt(position(record));
    }

    /** The record's place in key order, in [0, 2^39); distinct records have distinct positions. */
    static long position(long record) {
        long x = (record * M1) & MASK;
        x ^= x >>> 19;
        x = (x * M2) & MASK;
        x ^= x >>> 21;
        return x;
    }

    /**
     * The key that divides the key space into {@code parts} equal shares at boundary {@code i} (1..parts-1), for
     * targets that start with pre-split regions: records spread evenly between consecutive boundaries.
     */
    public static byte[] boundary(int i, int parts) {
        if (parts < 1 || i < 1 || i >= parts) {
            throw new IllegalArgumentException("boundary " + i + " of " + parts + " parts");
        }
        return keyAt((MASK + 1) / parts * i);
    }

    private static byte[] keyAt(long position) {
        return String.format("user%012d", position).getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] value(SplittableRandom random, int size) {
        byte[] v = new byte[size];
        for (int i = 0; i < size; i++) {
            v[i] = (byte) ('a' + random.nextInt(26));
        }
        return v;
    }
}
