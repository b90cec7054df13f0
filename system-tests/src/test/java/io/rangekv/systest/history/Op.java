package io.rangekv.systest.history;

import java.util.Objects;

/**
 * One operation on one key (a register whose initial value is absent, shown as null), as a client saw it.
 *
 * @param kind     PUT (sets {@code value}), GET (observed {@code value}, null = absent), CAS (if the register holds
 *                 {@code expected} — null: absent — set it to {@code value}; {@code succeeded} says what the
 *                 client was told)
 * @param invoked  when the client sent it (monotonic nanoseconds)
 * @param returned when the client got the answer; {@link Long#MAX_VALUE} when the outcome is unknown (a timed-out
 *                 write: it may take effect at any point after {@code invoked}, or never)
 */
public record Op(long id, int client, String key, Kind kind, String expected, String value, boolean succeeded,
                 long invoked, long returned) {
    public enum Kind { PUT, GET, CAS }

    public Op {
        Objects.requireNonNull(key);
        Objects.requireNonNull(kind);
        if (returned <= invoked) {
            throw new IllegalArgumentException("an operation returns after it is invoked: " + invoked + " / "
                    + returned);
        }
    }

    public boolean isUnknown() {
        return returned == Long.MAX_VALUE;
    }

    /**
     * Applies this operation to a register holding {@code state}; null when the answer the client got is impossible
     * from that state. Unknown CAS: applies when it matches, else changes nothing (as if it never happened).
     */
    String[] step(String state) {
        return switch (kind) {
            case PUT -> new String[] {value};
            case GET -> Objects.equals(state, value) ? new String[] {state} : null;
            case CAS -> {
                boolean matches = Objects.equals(state, expected);
                if (isUnknown()) {
                    yield new String[] {matches ? value : state};
                }
                if (succeeded != matches) {
                    yield null;
                }
                yield new String[] {matches ? value : state};
            }
        };
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case PUT -> "put(" + value + ")";
            case GET -> "get -> " + value;
            case CAS -> "cas(" + expected + " -> " + value + ")" + (isUnknown() ? "" : " -> " + succeeded);
        };
        return "#" + id + " c" + client + " " + key + " " + what + (isUnknown() ? " [unknown outcome]" : "")
                + " @" + invoked + ".." + (isUnknown() ? "inf" : String.valueOf(returned));
    }
}
