package io.rangekv.error;

import java.time.Duration;

/** The store is busy or out of reach for now: back off for {@link #backoff()}, then retry within the deadline. */
public final class RetryableException extends KvException {
    private final Duration backoff;

    public RetryableException(ErrorKind kind, Duration backoff, String message) {
        super(kind, message, null);
        if (kind.errorClass() != ErrorKind.ErrorClass.RETRYABLE) {
            throw new IllegalArgumentException(kind + " is not retryable");
        }
        this.backoff = backoff;
    }

    public static RetryableException serverBusy(Duration backoff, String message) {
        return new RetryableException(ErrorKind.SERVER_BUSY, backoff, message);
    }

    public Duration backoff() {
        return backoff;
    }
}
