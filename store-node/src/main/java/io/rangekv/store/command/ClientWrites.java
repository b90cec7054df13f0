package io.rangekv.store.command;

import java.util.Arrays;

/**
 * Who wrote a data command's mutations: the client's random id and one sequence number per mutation (a Put or
 * Delete has one; a Batch one per mutation, in order), the client's lowest sequence still awaiting an answer, and
 * the proposing leader's wall clock. Apply uses them to apply each mutation at most once however often its request
 * is retried ({@code DedupTable}). The clock is only ever compared with other entries' stamps.
 */
public record ClientWrites(long clientId, long[] seqs, long lowestUnanswered, long proposedAtMillis) {
    public ClientWrites {
        seqs = seqs.clone();
    }

    @Override
    public long[] seqs() {
        return seqs.clone();
    }

    public int count() {
        return seqs.length;
    }

    public long seq(int i) {
        return seqs[i];
    }

    /** The lowest seq this command carries (Long.MAX_VALUE when it carries none). */
    public long minSeq() {
        long min = Long.MAX_VALUE;
        for (long s : seqs) {
            min = Math.min(min, s);
        }
        return min;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientWrites w && clientId == w.clientId && Arrays.equals(seqs, w.seqs)
                && lowestUnanswered == w.lowestUnanswered && proposedAtMillis == w.proposedAtMillis;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(clientId) * 31 + Arrays.hashCode(seqs);
    }

    @Override
    public String toString() {
        return "ClientWrites{" + Long.toHexString(clientId) + ", " + Arrays.toString(seqs) + ", below "
                + lowestUnanswered + "}";
    }
}
