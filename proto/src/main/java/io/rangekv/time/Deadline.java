package io.rangekv.time;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The absolute time by which a request must finish, on one process's monotonic clock. Set once at the edge and
 * carried everywhere; crossing a process boundary it travels as the remaining budget ({@link #remaining()}),
 * because two machines' clocks never agree exactly.
 */
public final class Deadline {
    private final Clock clock;
    private final long expiresAtNanos;

    private Deadline(Clock clock, long expiresAtNanos) {
        this.clock = clock;
        this.expiresAtNanos = expiresAtNanos;
    }

    public static Deadline after(Duration budget, Clock clock) {
        return new Deadline(clock, clock.nanoTime() + Math.max(0, budget.toNanos()));
    }

    public static Deadline after(Duration budget) {
        return after(budget, SystemClock.INSTANCE);
    }

    /** Time left, never negative. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, expiresAtNanos - clock.nanoTime()));
    }

    public long remainingMillis() {
        return TimeUnit.NANOSECONDS.toMillis(Math.max(0, expiresAtNanos - clock.nanoTime()));
    }

    public boolean isExpired() {
        return clock.nanoTime() - expiresAtNanos >= 0;
    }

    /** The earlier of this deadline and {@code budget} from now. */
    public Deadline capped(Duration budget) {
        long capped = clock.nanoTime() + budget.toNanos();
        return capped - expiresAtNanos < 0 ? new Deadline(clock, capped) : this;
    }

    @Override
    public String toString() {
        return "Deadline{in " + remainingMillis() + "ms}";
    }
}
