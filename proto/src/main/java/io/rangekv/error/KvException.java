package io.rangekv.error;

/**
 * Root of every RangeKV error. Sealed so that the set of errors is closed and each one has a {@link #kind()} that
 * says what the caller must do. A compare-and-put mismatch is a result, never one of these.
 */
public abstract sealed class KvException extends RuntimeException
        permits RegionException, RetryableException, UnknownResultException, RequestException, ReplicaFatalException {

    private final ErrorKind kind;

    protected KvException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }
}
