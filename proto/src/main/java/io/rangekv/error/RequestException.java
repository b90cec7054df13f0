package io.rangekv.error;

/** The request itself is wrong or too late; retrying it unchanged cannot help. */
public final class RequestException extends KvException {
    public RequestException(ErrorKind kind, String message) {
        super(kind, message, null);
        if (kind.errorClass() != ErrorKind.ErrorClass.REQUEST) {
            throw new IllegalArgumentException(kind + " is not a request error");
        }
    }

    public static RequestException invalidArgument(String message) {
        return new RequestException(ErrorKind.INVALID_ARGUMENT, message);
    }
}
