package io.rangekv.bench.load;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The key distributions' shapes, from seeded draws (no time, deterministic). */
class KeyChooserTest {
    private static final int DRAWS = 200_000;

    private static long[] histogram(KeyChooser chooser, long count) {
        SplittableRandom random = new SplittableRandom(7);
        long[] hits = new long[(int) count];
        for (int i = 0; i < DRAWS; i++) {
            hits[(int) chooser.next(random, count)]++;
        }
        return hits;
    }

    @Test
    void zipfianRanksFollowOneOverRank() {
        ZipfianGenerator zipf = new ZipfianGenerator(1000, ZipfianGenerator.THETA);
        SplittableRandom random = new SplittableRandom(7);
        long[] hits = new long[1000];
        for (int i = 0; i < DRAWS; i++) {
            hits[(int) zipf.next(random)]++;
        }
        double zeta = 0;
        for (int i = 1; i <= 1000; i++) {
            zeta += 1 / Math.pow(i, ZipfianGenerator.THETA);
        }
        double expectedTop = DRAWS / zeta;
        assertEquals(expectedTop, hits[0], expectedTop * 0.05, "rank 0 takes 1/zeta(n) of the draws");
        assertTrue(hits[0] > hits[1] && hits[1] > hits[9] && hits[9] > hits[99], Arrays.toString(
                Arrays.copyOf(hits, 10)));
        assertEquals(hits[0] / 2.0, hits[1], hits[0] * 0.06, "rank 1 about half of rank 0 (theta near 1)");
    }

    @Test
    void scrambledZipfianSpreadsTheHotKeysButKeepsTheSkew() {
        long[] hits = histogram(KeyChooser.of(KeyDistribution.ZIPFIAN, 1000), 1000);
        long[] sorted = hits.clone();
        Arrays.sort(sorted);
        long top = sorted[sorted.length - 1];
        // Rank 0 of YCSB's 10^10-item space takes 1/zeta(10^10) = 3.8 % of the draws, whatever the record count.
        assertEquals(DRAWS / 26.469, top, DRAWS / 26.469 * 0.05, "the hottest key's share");
        int hottest = 0;
        for (int i = 0; i < hits.length; i++) {
            hottest = hits[i] == top ? i : hottest;
        }
        assertTrue(hottest != 0, "the hottest key is not simply the first one");
    }

    @Test
    void uniformHitsEveryKeyAlike() {
        long[] hits = histogram(KeyChooser.of(KeyDistribution.UNIFORM, 100), 100);
        double expected = DRAWS / 100.0;
        double chiSquare = 0;
        for (long h : hits) {
            chiSquare += (h - expected) * (h - expected) / expected;
        }
        assertTrue(chiSquare < 150, "chi-square with 99 degrees of freedom: " + chiSquare);
    }

    @Test
    void latestFavoursTheNewestRecordsAndFollowsInserts() {
        KeyChooser latest = KeyChooser.of(KeyDistribution.LATEST, 1000);
        long[] hits = histogram(latest, 1000);
        assertTrue(hits[999] > hits[998] && hits[998] > hits[900] && hits[900] > hits[0],
                "newest first: " + hits[999] + " " + hits[998] + " " + hits[900] + " " + hits[0]);
        SplittableRandom random = new SplittableRandom(1);
        long newest = 0;
        for (int i = 0; i < 1000; i++) {
            long k = latest.next(random, 1500);
            assertTrue(k >= 0 && k < 1500);
            newest += k == 1499 ? 1 : 0;
        }
        assertTrue(newest > 50, "after inserts the newest record is the hottest: " + newest);
    }

    @Test
    void zetaOfYcsbsScrambledSpaceMatchesItsPublishedConstant() {
        // YCSB hard-codes zeta(10^10, 0.99) = 26.46902820178302 for its scrambled zipfian.
        assertEquals(26.46902820178302, ZipfianGenerator.zeta(KeyChooser.SCRAMBLED_ITEMS, 0.99), 1e-6);
        double exact = 0;
        for (int i = 1; i <= 3_000_000; i++) {
            exact += 1 / Math.pow(i, 0.99);
        }
        assertEquals(exact, ZipfianGenerator.zeta(3_000_000, 0.99), 1e-9, "the midpoint tail past 1M terms");
    }

    @Test
    void theHotRecordsStayTheSameAsRecordsAreInserted() {
        KeyChooser zipf = KeyChooser.of(KeyDistribution.ZIPFIAN, 1000);
        SplittableRandom a = new SplittableRandom(3);
        SplittableRandom b = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            long before = zipf.next(a, 1000);
            assertEquals(before, zipf.next(b, 5000), "same draw whatever the count");
            assertTrue(before < 1000);
        }
    }
}
