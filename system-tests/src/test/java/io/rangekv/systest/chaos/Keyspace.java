package io.rangekv.systest.chaos;

/**
 * The workloads' keys, spread over the whole run's key space so that they land in many regions and every split or
 * merge boundary the harness picks falls between some of them: bucket {@code b} holds a register {@code k/bb/r}, an
 * append list {@code k/bb/s} and unique inserted keys {@code k/bb/i/<id>}.
 */
final class Keyspace {
    static final String PREFIX = "k/";

    private Keyspace() {
    }

    static String bucket(int b) {
        return String.format("k/%02d/", b);
    }

    static String register(int b) {
        return bucket(b) + "r";
    }

    static String list(int b) {
        return bucket(b) + "s";
    }

    static String insert(int b, String id) {
        return bucket(b) + "i/" + id;
    }

    /** A split key between buckets: the start of bucket {@code b}. */
    static String boundary(int b) {
        return String.format("k/%02d", b);
    }
}
