package io.rangekv.meta;

import java.util.Objects;

/**
 * The half-open key range {@code [start, end)}. An empty {@code end} means unbounded; an empty {@code start} is the
 * smallest key. This is the only place that rule is written down: everything else asks this class.
 */
public record KeyRange(Key start, Key end) {
    public static final KeyRange ALL = new KeyRange(Key.EMPTY, Key.EMPTY);

    public KeyRange {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (!end.isEmpty() && start.compareTo(end) >= 0) {
            throw new IllegalArgumentException("empty or inverted key range [" + start + ", " + end + ")");
        }
    }

    public boolean isEndUnbounded() {
        return end.isEmpty();
    }

    public boolean contains(Key key) {
        return contains(key.unsafeBytes());
    }

    public boolean contains(byte[] key) {
        return Key.compare(key, start.unsafeBytes()) >= 0
                && (end.isEmpty() || Key.compare(key, end.unsafeBytes()) < 0);
    }

    /** True when {@code key} may serve as a split point: strictly inside, so both halves are non-empty ranges. */
    public boolean isStrictlyInside(Key key) {
        return key.compareTo(start) > 0 && (end.isEmpty() || key.compareTo(end) < 0);
    }

    /** True when {@code other} lies wholly within this range. */
    public boolean covers(KeyRange other) {
        if (other.start.compareTo(start) < 0) {
            return false;
        }
        if (end.isEmpty()) {
            return true;
        }
        return !other.end.isEmpty() && other.end.compareTo(end) <= 0;
    }

    /**
     * The intersection of this range and {@code [from, to)} (empty {@code to} = unbounded), or null when they do not
     * meet. Scans use it to clip a request to the region that serves it.
     */
    public KeyRange intersect(Key from, Key to) {
        Key lo = from.compareTo(start) > 0 ? from : start;
        Key hi;
        if (end.isEmpty()) {
            hi = to;
        } else if (to.isEmpty()) {
            hi = end;
        } else {
            hi = to.compareTo(end) < 0 ? to : end;
        }
        if (!hi.isEmpty() && lo.compareTo(hi) >= 0) {
            return null;
        }
        return new KeyRange(lo, hi);
    }

    /** The left part {@code [start, splitKey)}. */
    /** The union with an adjacent range (this end is its start, or its end is this start); empty if they do not touch. */
    public java.util.Optional<KeyRange> joinWith(KeyRange other) {
        if (!isEndUnbounded() && end.equals(other.start)) {
            return java.util.Optional.of(new KeyRange(start, other.end));
        }
        if (!other.isEndUnbounded() && other.end.equals(start)) {
            return java.util.Optional.of(new KeyRange(other.start, end));
        }
        return java.util.Optional.empty();
    }

    public KeyRange leftOf(Key splitKey) {
        return new KeyRange(start, splitKey);
    }

    /** The right part {@code [splitKey, end)}. */
    public KeyRange rightOf(Key splitKey) {
        return new KeyRange(splitKey, end);
    }

    @Override
    public String toString() {
        return "[" + start + ", " + (end.isEmpty() ? "+inf" : end.toString()) + ")";
    }
}
