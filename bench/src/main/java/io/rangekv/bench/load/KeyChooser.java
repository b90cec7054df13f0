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
            case ZIPFIAN -> scrambledZipfian(records);
            case LATEST -> latest(new ZipfianGenerator(Math.max(1, records), ZipfianGenerator.THETA));
        };
    }

    /** YCSB's scrambled-zipfian space: ranks are drawn over 10^10 items, then hashed onto the records. */
    long SCRAMBLED_ITEMS = 10_000_000_000L;

    /**
     * Zipfian popularity with the popular records spread over the records (rank hashed with FNV-1a 64, as YCSB's
     * scrambled zipfian does) rather than all at the start. The hash is taken modulo the records loaded at the start,
     * not the growing count, so the hot records stay the same all run long; records inserted later are not chosen
     * (YCSB redraws instead; with the loaded records in the tens of thousands the difference is nil).
     */
    static KeyChooser scrambledZipfian(long loaded) {
        ZipfianGenerator zipf = new ZipfianGenerator(SCRAMBLED_ITEMS, ZipfianGenerator.THETA);
        return (random, count) -> Math.floorMod(fnv64(zipf.next(random)), Math.max(1, Math.min(loaded, count)));
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
