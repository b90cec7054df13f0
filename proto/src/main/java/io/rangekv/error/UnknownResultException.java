package io.rangekv.error;

/**
 * A write was sent but its outcome is unknown (it timed out, or the connection broke after sending). It may have
 * been applied. Idempotent writes may be retried; compare-and-put must not be retried blindly.
 */
public final class UnknownResultException extends KvException {
    private final long requestId;

    public UnknownResultException(long requestId, String message, Throwable cause) {
        super(ErrorKind.UNKNOWN_RESULT, message, cause);
        this.requestId = requestId;
    }

    public long requestId() {
        return requestId;
    }
}
