package io.rangekv.systest.history;

import java.util.List;

/**
 * The verdict for one key: LINEARIZABLE, NOT_LINEARIZABLE (with the operations around the point where no order
 * works), or GAVE_UP (the search passed its effort bound; neither verdict is proven).
 */
public record CheckResult(String key, Verdict verdict, int operations, long statesExplored, String explanation) {
    public enum Verdict { LINEARIZABLE, NOT_LINEARIZABLE, GAVE_UP }

    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    @Override
    public String toString() {
        return key + ": " + verdict + " (" + operations + " operations, " + statesExplored + " states)"
                + (explanation.isEmpty() ? "" : "\n" + explanation);
    }

    /** A readable summary of several keys' results, failures first. */
    public static String summary(List<CheckResult> results) {
        StringBuilder sb = new StringBuilder();
        results.stream().sorted((a, b) -> Boolean.compare(a.isLinearizable(), b.isLinearizable()))
                .forEach(r -> sb.append(r).append('\n'));
        return sb.toString();
    }
}
