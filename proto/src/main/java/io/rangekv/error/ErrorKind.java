package io.rangekv.error;

/**
 * Every error a caller can see, grouped by what the caller must do about it ({@link ErrorClass}). Callers
 * {@code switch} on this enum; the compiler checks the switch is exhaustive.
 */
public enum ErrorKind {
    NOT_LEADER(ErrorClass.REGION),
    EPOCH_NOT_MATCH(ErrorClass.REGION),
    REGION_NOT_FOUND(ErrorClass.REGION),
    KEY_NOT_IN_REGION(ErrorClass.REGION),
    SERVER_BUSY(ErrorClass.RETRYABLE),
    STORE_UNAVAILABLE(ErrorClass.RETRYABLE),
    UNKNOWN_RESULT(ErrorClass.UNKNOWN_RESULT),
    INVALID_ARGUMENT(ErrorClass.REQUEST),
    KEY_TOO_LARGE(ErrorClass.REQUEST),
    VALUE_TOO_LARGE(ErrorClass.REQUEST),
    DEADLINE_EXCEEDED(ErrorClass.REQUEST),
    UNKNOWN_METHOD(ErrorClass.REQUEST),
    MALFORMED_FRAME(ErrorClass.REQUEST),
    STORAGE_FULL(ErrorClass.REPLICA_FATAL),
    REPLICA_FATAL(ErrorClass.REPLICA_FATAL),
    /** A code this build does not know (a newer peer) or a bug: not retryable. */
    UNKNOWN(ErrorClass.REQUEST);

    private final ErrorClass errorClass;

    ErrorKind(ErrorClass errorClass) {
        this.errorClass = errorClass;
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    /** What the caller must do. */
    public enum ErrorClass {
        /** Update the route from the payload (or ask the placement driver) and retry now. */
        REGION,
        /** Back off, then retry within the deadline. */
        RETRYABLE,
        /** The write may or may not have happened: do not blindly retry a non-idempotent command. */
        UNKNOWN_RESULT,
        /** Give it back to the caller. */
        REQUEST,
        /** The replica stopped; retry elsewhere, an operator must look. */
        REPLICA_FATAL
    }
}
