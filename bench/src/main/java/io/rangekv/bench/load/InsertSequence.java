package io.rangekv.bench.load;

import java.util.HashSet;
import java.util.Set;

/**
 * Record numbers for inserts. Numbers are handed out in order, but a record only becomes a candidate for reads once
 * it and every lower number have been answered: a read chosen from records still in flight would find nothing and
 * measure a miss instead of a read (YCSB's acknowledged counter does the same). A failed insert counts as answered,
 * so one failure cannot stall the reads; a read of it then finds nothing, which is not an error.
 *
 * <p>Thread-safe; the pending set holds at most the number of inserts in flight.
 */
final class InsertSequence {
    private long issued;
    private long acknowledged;
    private final Set<Long> answeredAhead = new HashSet<>();

    /** {@code loaded} records (0..loaded-1) exist already. */
    InsertSequence(long loaded) {
        this.issued = loaded;
        this.acknowledged = loaded;
    }

    /** The record number of the next insert. */
    synchronized long issue() {
        return issued++;
    }

    /** The insert of {@code record} finished, successfully or not. */
    synchronized void answered(long record) {
        if (record != acknowledged) {
            answeredAhead.add(record);
            return;
        }
        acknowledged++;
        while (answeredAhead.remove(acknowledged)) {
            acknowledged++;
        }
    }

    /** How many records reads may choose from: 0..acknowledged-1 have all been answered. */
    synchronized long acknowledged() {
        return acknowledged;
    }
}
