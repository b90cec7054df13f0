/**
 * RangeKV's Java client: {@link io.rangekv.client.KvClient} (blocking) and {@link io.rangekv.client.AsyncKvClient}
 * ({@code CompletableFuture}), over the route cache and retry loop in {@code client.route}.
 */
package io.rangekv.client;
