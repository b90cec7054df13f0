package io.rangekv.bench.load;

/** How a workload picks the key of an operation on existing records (YCSB's request distributions). */
public enum KeyDistribution {
    /** Every loaded or inserted key alike. */
    UNIFORM,
    /** A few keys take most requests (Zipf, theta 0.99), scattered over the key space by hashing the rank. */
    ZIPFIAN,
    /** The most recently inserted keys are the most requested (Zipf over recency). */
    LATEST
}
