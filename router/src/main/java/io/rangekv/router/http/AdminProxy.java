package io.rangekv.router.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code /v1/admin/<rest>} is the PD's admin API {@code /pd/api/v1/<rest>}, passed through unchanged (status and
 * body). Tries the PD members in order, moving on when one cannot be reached; PD followers redirect to the leader
 * (307, followed with method and body).
 */
final class AdminProxy {
    static final String PREFIX = "/v1/admin/";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final List<String> endpoints;
    private final HttpClient http;

    AdminProxy(List<String> endpoints, Executor executor) {
        this.endpoints = List.copyOf(endpoints);
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(3)).executor(executor).build();
    }

    CompletableFuture<HttpReply> forward(String method, String rawPath, String rawQuery, byte[] body) {
        if (endpoints.isEmpty()) {
            return CompletableFuture.completedFuture(HttpReply.error(new HttpError(503, "NO_PD",
                    "this router has no PD admin address (pd.http-endpoints)")));
        }
        String target = "/pd/api/v1/" + rawPath.substring(PREFIX.length()) + (rawQuery == null ? "" : "?" + rawQuery);
        return attempt(0, method, target, body);
    }

    private CompletableFuture<HttpReply> attempt(int index, String method, String target, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + endpoints.get(index) + target))
                .timeout(TIMEOUT)
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json")
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> new HttpReply(r.statusCode(),
                        r.headers().firstValue("Content-Type").orElse("application/json"), r.body(),
                        r.headers().firstValue("Retry-After").map(v -> Map.of("Retry-After", v)).orElse(Map.of())))
                .exceptionallyCompose(e -> {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof IOException && index + 1 < endpoints.size()) {
                        return attempt(index + 1, method, target, body);
                    }
                    return CompletableFuture.completedFuture(HttpReply.error(new HttpError(503, "PD_UNAVAILABLE",
                            "no PD admin endpoint answered " + endpoints + ": " + cause)));
                });
    }
}
