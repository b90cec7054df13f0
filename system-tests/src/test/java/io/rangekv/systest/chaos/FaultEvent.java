package io.rangekv.systest.chaos;

/** One injected fault as it happened: what, on whom, how, and when (wall-clock ms) it started and was healed. */
record FaultEvent(int seq, FaultKind kind, String target, String detail, long startMs, long endMs, String note) {
    boolean activeAt(long ms) {
        return ms >= startMs && (endMs == 0 || ms <= endMs);
    }

    FaultEvent ended(long at, String healNote) {
        return new FaultEvent(seq, kind, target, detail, startMs, at, healNote);
    }

    String line(long runStartMs) {
        return String.format("%d\t%s\t%s\t%s\t%.1f\t%.1f\t%s", seq, kind, target, detail,
                (startMs - runStartMs) / 1000.0, endMs == 0 ? -1.0 : (endMs - runStartMs) / 1000.0,
                note == null ? "" : note);
    }
}
