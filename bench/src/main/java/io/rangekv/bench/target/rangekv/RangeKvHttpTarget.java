package io.rangekv.bench.target.rangekv;

import io.rangekv.bench.load.Target;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.store.process.ProcessCluster;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RangeKV through its HTTP gateway (one router process in front of the cluster), as curl users see it: the raw key
 * API for reads and writes ({@code GET/PUT /{key}}), {@code GET /v1/scan} for scans. The JDK's HTTP/1.1 client keeps
 * one keep-alive connection per request in flight. A non-2xx answer fails the operation with its status
 * ("http-503").
 */
public final class RangeKvHttpTarget implements Target {
    private static final Pattern COUNT = Pattern.compile("\"count\"\\s*:\\s*(\\d+)");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ProcessCluster cluster;
    private final String base;
    private final String engine;
    private final ExecutorService callbacks = Executors.newFixedThreadPool(2,
            new NamedThreadFactory("bench-http", true));
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(callbacks).build();

    RangeKvHttpTarget(ProcessCluster cluster, String engine) {
        this.cluster = cluster;
        this.base = "http://" + cluster.routerAddress() + "/";
        this.engine = engine;
    }

    @Override
    public String name() {
        return "rangekv-http";
    }

    @Override
    public String durability() {
        return "as rangekv (1 PD + 3 stores, " + engine + ", quorum + fsync, linearizable reads), through one HTTP "
                + "gateway process: client -> gateway -> store adds one loopback hop and HTTP parsing";
    }

    @Override
    public CompletableFuture<Optional<byte[]>> read(byte[] key) {
        return send(HttpRequest.newBuilder(uri(key)).GET(), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> {
                    if (r.statusCode() == 404) {
                        return Optional.empty();
                    }
                    check(r);
                    return Optional.of(r.body());
                });
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        return send(HttpRequest.newBuilder(uri(key)).PUT(HttpRequest.BodyPublishers.ofByteArray(value)),
                HttpResponse.BodyHandlers.discarding()).thenAccept(RangeKvHttpTarget::check);
    }

    @Override
    public CompletableFuture<Integer> scan(byte[] startKey, int limit) {
        URI uri = URI.create(base + "v1/scan?keys_only=true&limit=" + limit + "&start=" + encode(startKey));
        return send(HttpRequest.newBuilder(uri).GET(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            check(r);
            Matcher m = COUNT.matcher(r.body());
            if (!m.find()) {
                throw new IllegalStateException("scan answer without a count: " + r.body());
            }
            return Integer.parseInt(m.group(1));
        });
    }

    private <T> CompletableFuture<HttpResponse<T>> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        return http.sendAsync(request.timeout(TIMEOUT).build(), body);
    }

    private static void check(HttpResponse<?> response) {
        if (response.statusCode() / 100 != 2) {
            throw new HttpStatusException(response.statusCode());
        }
    }

    private URI uri(byte[] key) {
        return URI.create(base + encode(key));
    }

    /** Percent-encodes every byte outside [A-Za-z0-9-_.~] so any key survives the path (the gateway decodes it). */
    private static String encode(byte[] key) {
        return URLEncoder.encode(new String(key, StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1)
                .replace("+", "%20");
    }

    @Override
    public List<Long> serverPids() {
        return cluster.pids();
    }

    @Override
    public String errorKind(Throwable failure) {
        return Target.rootOf(failure) instanceof HttpStatusException h ? "http-" + h.status
                : Target.super.errorKind(failure);
    }

    @Override
    public void close() {
        try {
            callbacks.shutdownNow();
        } finally {
            cluster.close();
        }
    }

    /** An answer outside 2xx (and not a read's 404). */
    static final class HttpStatusException extends RuntimeException {
        final int status;

        HttpStatusException(int status) {
            super("HTTP " + status);
            this.status = status;
        }
    }
}
