package io.rangekv.time;

/** The source of time for everything that decides by time; tests inject a manual one. */
public interface Clock {
    /** Monotonic nanoseconds, for deadlines and durations; unrelated to wall time. */
    long nanoTime();

    /** Wall-clock milliseconds since the epoch, for logs and records people read. */
    long currentTimeMillis();
}
