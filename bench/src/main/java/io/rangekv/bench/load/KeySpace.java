package io.rangekv.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Record number to key: {@code user} and the number zero-padded to 12 digits, 16 bytes in all (the key size of
 * MACHINE-NOTES and of YCSB's default), ordered like the numbers. Values are random bytes of the workload's size.
 */
public final class KeySpace {
    private KeySpace() {
    }

    public static byte[] key(long record) {
        if (record < 0 || record >= 1_000_000_000_000L) {
            throw new IllegalArgumentException("record number out of range: " + record);
        }
        return String.format("user%012d", record).getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] value(SplittableRandom random, int size) {
        byte[] v = new byte[size];
        for (int i = 0; i < size; i++) {
            v[i] = (byte) ('a' + random.nextInt(26));
        }
        return v;
    }
}
