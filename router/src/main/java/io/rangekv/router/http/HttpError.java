package io.rangekv.router.http;

/** A request the router refuses before it reaches the cluster: its HTTP status and a kind for the JSON body. */
public final class HttpError extends RuntimeException {
    private final int status;
    private final String kind;

    public HttpError(int status, String kind, String message) {
        super(message);
        this.status = status;
        this.kind = kind;
    }

    public static HttpError badRequest(String message) {
        return new HttpError(400, "INVALID_ARGUMENT", message);
    }

    public int status() {
        return status;
    }

    public String kind() {
        return kind;
    }
}
