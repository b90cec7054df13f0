package io.rangekv.client;

import io.rangekv.client.route.PutCoalescing;
import io.rangekv.config.DataSize;

import java.time.Duration;

/**
 * How a {@link KvClient} behaves. Defaults live here only.
 *
 * @param requestTimeout   the deadline of every operation, from the call to the answer, retries included
 * @param maxCachedRegions regions the route cache keeps
 * @param routeTtl         how long a cached route may go unrefreshed
 * @param scanPageSize     pairs asked of one region per scan page
 * @param ioThreads        Netty event loops for store connections
 * @param callbackThreads  threads that complete the futures the client returns
 * @param putCoalescing    how concurrent single puts to one region are sent together as one BATCH_PUT
 *                         ({@link PutCoalescing#OFF}: each on its own). On by default: up to 128 puts or 1MB in a
 *                         batch, formed only while a region already has 2 put requests in flight
 */
public record KvClientConfig(Duration requestTimeout, long maxCachedRegions, Duration routeTtl, int scanPageSize,
                             int ioThreads, int callbackThreads, PutCoalescing putCoalescing) {
    public static final KvClientConfig DEFAULTS = new KvClientConfig(Duration.ofSeconds(10), 100_000,
            Duration.ofMinutes(10), 1000, 2, 2, new PutCoalescing(128, DataSize.ofMegabytes(1), 2));

    public KvClientConfig {
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("client.request-timeout must be positive");
        }
        if (maxCachedRegions < 1 || scanPageSize < 1 || ioThreads < 1 || callbackThreads < 1) {
            throw new IllegalArgumentException("client sizes must be positive: " + this);
        }
        if (putCoalescing == null) {
            throw new IllegalArgumentException("client.put-coalescing must be set (PutCoalescing.OFF to turn it off)");
        }
    }

    public KvClientConfig withRequestTimeout(Duration timeout) {
        return new KvClientConfig(timeout, maxCachedRegions, routeTtl, scanPageSize, ioThreads, callbackThreads,
                putCoalescing);
    }

    public KvClientConfig withPutCoalescing(PutCoalescing coalescing) {
        return new KvClientConfig(requestTimeout, maxCachedRegions, routeTtl, scanPageSize, ioThreads,
                callbackThreads, coalescing);
    }
}
