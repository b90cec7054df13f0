package io.rangekv.router;

import io.rangekv.config.DataSize;
import io.rangekv.config.Settings;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Everything a router is configured with, validated once when built.
 *
 * @param host            the address to listen on
 * @param port            the HTTP port (0 = any free port)
 * @param ioThreads       Netty event loops; they only parse, hand off and write
 * @param maxBody         largest request body accepted (413 beyond it)
 * @param maxKeySize      longest key accepted (400 beyond it; stores may allow less, e.g. LMDB)
 * @param maxValueSize    largest value accepted (400 beyond it)
 * @param requestTimeout  the deadline of each request, retries included (504 when it passes)
 * @param pdEndpoints     the PD members' RPC addresses, for the KV client's routes
 * @param pdHttpEndpoints the PD members' HTTP admin addresses, for {@code /v1/admin/} (empty: 503 there)
 */
public record RouterConfig(String host, int port, int ioThreads, DataSize maxBody, DataSize maxKeySize,
                           DataSize maxValueSize, Duration requestTimeout, List<String> pdEndpoints,
                           List<String> pdHttpEndpoints) {
    public static final RouterConfig DEFAULTS = new RouterConfig("127.0.0.1", 3379, 2, DataSize.ofMegabytes(8),
            DataSize.ofKilobytes(4), DataSize.ofMegabytes(4), Duration.ofSeconds(10),
            List.of("127.0.0.1:2379"), List.of("127.0.0.1:2381"));

    public RouterConfig {
        pdEndpoints = List.copyOf(pdEndpoints);
        pdHttpEndpoints = List.copyOf(pdHttpEndpoints);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("router.port must be a port number: " + port);
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("router.io-threads must be positive: " + ioThreads);
        }
        if (maxBody.bytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("router.max-body must be below 2GB: " + maxBody);
        }
    }

    /**
     * Reads a router config. Keys: {@code router.host}, {@code router.port}, {@code router.io-threads},
     * {@code router.max-body}, {@code router.max-key-size}, {@code router.max-value-size},
     * {@code router.request-timeout}, {@code pd.endpoints}, {@code pd.http-endpoints} (comma-separated
     * {@code host:port}). Unknown keys are an error.
     */
    public static RouterConfig from(Settings s) {
        RouterConfig d = DEFAULTS;
        RouterConfig config = new RouterConfig(
                s.getString("router.host", d.host),
                s.getInt("router.port", d.port),
                s.getInt("router.io-threads", d.ioThreads),
                s.getDataSize("router.max-body", d.maxBody),
                s.getDataSize("router.max-key-size", d.maxKeySize),
                s.getDataSize("router.max-value-size", d.maxValueSize),
                s.getDuration("router.request-timeout", d.requestTimeout),
                list(s.getString("pd.endpoints", String.join(",", d.pdEndpoints))),
                list(s.getString("pd.http-endpoints", String.join(",", d.pdHttpEndpoints))));
        if (!s.unusedKeys().isEmpty()) {
            throw new IllegalArgumentException("unknown router config keys: " + s.unusedKeys());
        }
        return config;
    }

    private static List<String> list(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(e -> !e.isEmpty()).toList();
    }

    public RouterConfig withPort(int newPort) {
        return new RouterConfig(host, newPort, ioThreads, maxBody, maxKeySize, maxValueSize, requestTimeout,
                pdEndpoints, pdHttpEndpoints);
    }

    public RouterConfig withPdHttpEndpoints(List<String> endpoints) {
        return new RouterConfig(host, port, ioThreads, maxBody, maxKeySize, maxValueSize, requestTimeout,
                pdEndpoints, endpoints);
    }
}
