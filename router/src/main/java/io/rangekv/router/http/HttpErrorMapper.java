package io.rangekv.router.http;

import io.rangekv.concurrent.Futures;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;

/**
 * The one place that turns an error into an HTTP status. Request errors are the caller's (4xx); an unavailable
 * range is 503 with {@code Retry-After}; a passed deadline is 504, and so is a write whose outcome is unknown (its
 * kind says so: the write may have happened).
 */
public final class HttpErrorMapper {
    private HttpErrorMapper() {
    }

    /** The status, kind and message for {@code error}, and whether to add {@code Retry-After}. */
    public record Mapped(int status, String kind, String message, boolean retryAfter) {
    }

    public static Mapped map(Throwable error) {
        Throwable cause = Futures.unwrap(error);
        if (cause instanceof HttpError http) {
            return new Mapped(http.status(), http.kind(), http.getMessage(), false);
        }
        if (!(cause instanceof KvException kv)) {
            return new Mapped(500, "INTERNAL", String.valueOf(cause), false);
        }
        ErrorKind kind = kv.kind();
        int status = switch (kind) {
            case INVALID_ARGUMENT, KEY_TOO_LARGE, VALUE_TOO_LARGE, MALFORMED_FRAME, UNKNOWN_METHOD -> 400;
            case DEADLINE_EXCEEDED, UNKNOWN_RESULT -> 504;
            case STORAGE_FULL -> 507;
            case NOT_LEADER, EPOCH_NOT_MATCH, REGION_NOT_FOUND, KEY_NOT_IN_REGION, SERVER_BUSY, STORE_UNAVAILABLE,
                    REPLICA_FATAL -> 503;
            case UNKNOWN -> 500;
        };
        return new Mapped(status, kind.name(), kv.getMessage(), status == 503);
    }
}
