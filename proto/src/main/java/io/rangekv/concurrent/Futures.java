package io.rangekv.concurrent;

import java.util.concurrent.CompletionException;

/** Small rules about futures, written once. */
public final class Futures {
    private Futures() {
    }

    /** The real failure behind a {@link CompletionException} wrapper (dependent stages wrap what they rethrow). */
    public static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
