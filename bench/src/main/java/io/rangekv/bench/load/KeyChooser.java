package io.rangekv.bench.load;

import java.util.SplittableRandom;

/**
 * Picks which existing record an operation touches, given how many exist now ({@code count} grows with inserts).
 * Record numbers map to keys in {@link KeySpace}.
 */
public interface KeyChooser {
    long next(SplittableRandom random, long count);

    static KeyChooser of(KeyDistribution distribution, long records) {
        return switch (distribution) {
            case UNIFORM -> (random, count) -> random.nextLong(count);
            case ZIPFIAN -> scrambledZipfian(new ZipfianGenerator(records, ZipfianGenerator.THETA));
            case LATEST -> latest(new ZipfianGenerator(records, ZipfianGenerator.THETA));
        };
    }

    /**
     * Zipfian popularity, with the popular records spread over the key space (rank hashed, FNV-1a 64) rather than
     * all at its start, so the hot keys do not all land in one region.
     */
    static KeyChooser scrambledZipfian(ZipfianGenerator zipf) {
        return (random, count) -> Math.floorMod(fnv64(zipf.next(random)), count);
    }

    /** The newest records are the most popular: rank 0 is the last one inserted. */
    static KeyChooser latest(ZipfianGenerator zipf) {
        return (random, count) -> Math.max(0, count - 1 - Math.min(zipf.next(random), count - 1));
    }

    static long fnv64(long value) {
        long hash = 0xCBF29CE484222325L;
        for (int i = 0; i < 8; i++) {
            hash ^= (value >>> (i * 8)) & 0xff;
            hash *= 0x100000001B3L;
        }
        return hash;
    }
}
