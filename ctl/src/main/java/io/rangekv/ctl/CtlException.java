package io.rangekv.ctl;

/** A command that failed with a message for the user (no stack trace). */
public final class CtlException extends RuntimeException {
    CtlException(String message) {
        super(message);
    }
}
