package io.rangekv.client.route;

import io.rangekv.error.ErrorKind;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many errors of each kind the client absorbed by retrying (the caller never saw them): region errors, busy or
 * unreachable stores, unknown outcomes of idempotent requests. Thread-safe; for tests, benchmarks and metrics.
 */
public final class RetryCounters {
    private final Map<ErrorKind, LongAdder> byKind = new EnumMap<>(ErrorKind.class);

    public RetryCounters() {
        for (ErrorKind kind : ErrorKind.values()) {
            byKind.put(kind, new LongAdder());
        }
    }

    void absorbed(ErrorKind kind) {
        byKind.get(kind).increment();
    }

    /** Counts so far, kinds never seen left out. */
    public Map<ErrorKind, Long> snapshot() {
        Map<ErrorKind, Long> out = new EnumMap<>(ErrorKind.class);
        byKind.forEach((kind, n) -> {
            long sum = n.sum();
            if (sum > 0) {
                out.put(kind, sum);
            }
        });
        return out;
    }

    /** Region errors (NotLeader, EpochNotMatch, RegionNotFound, KeyNotInRegion) absorbed so far. */
    public long regionErrors() {
        return byKind.entrySet().stream()
                .filter(e -> e.getKey().errorClass() == ErrorKind.ErrorClass.REGION)
                .mapToLong(e -> e.getValue().sum()).sum();
    }
}
