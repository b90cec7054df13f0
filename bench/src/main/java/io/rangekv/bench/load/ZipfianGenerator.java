package io.rangekv.bench.load;

import java.util.SplittableRandom;

/**
 * Ranks 0..n-1 drawn with probability proportional to 1/(rank+1)^theta in constant time per draw (Gray et al.,
 * "Quickly generating billion-record synthetic databases", as in YCSB). zeta(n) is computed once at construction:
 * summed exactly up to 1M items (about 10 ms), beyond that the first 1M terms exactly and the rest by the midpoint
 * rule, whose error there is below 1e-12 (so 10^10 items, YCSB's scrambled-zipfian space, costs no more than 1M).
 * Immutable; the caller supplies the random source.
 */
public final class ZipfianGenerator {
    public static final double THETA = 0.99;

    private final long items;
    private final double theta;
    private final double alpha;
    private final double zetan;
    private final double eta;

    public ZipfianGenerator(long items, double theta) {
        if (items < 1) {
            throw new IllegalArgumentException("items must be at least 1: " + items);
        }
        this.items = items;
        this.theta = theta;
        double zeta2 = zeta(2, theta);
        this.zetan = zeta(items, theta);
        this.alpha = 1.0 / (1.0 - theta);
        this.eta = (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta2 / zetan);
    }

    private static final long EXACT_TERMS = 1_000_000;

    /** sum over i = 1..n of 1/i^theta. */
    static double zeta(long n, double theta) {
        long exact = Math.min(n, EXACT_TERMS);
        double sum = 0;
        for (long i = 1; i <= exact; i++) {
            sum += 1 / Math.pow(i, theta);
        }
        if (n > exact) {
            // terms exact+1..n as the integral of x^-theta over [exact + 1/2, n + 1/2]; theta != 1 here
            sum += (Math.pow(n + 0.5, 1 - theta) - Math.pow(exact + 0.5, 1 - theta)) / (1 - theta);
        }
        return sum;
    }

    public long items() {
        return items;
    }

    /** A rank in [0, items): 0 is the most frequent. */
    public long next(SplittableRandom random) {
        double u = random.nextDouble();
        double uz = u * zetan;
        if (uz < 1.0) {
            return 0;
        }
        if (uz < 1.0 + Math.pow(0.5, theta)) {
            return Math.min(1, items - 1);
        }
        long rank = (long) (items * Math.pow(eta * u - eta + 1, alpha));
        return Math.min(rank, items - 1);
    }
}
