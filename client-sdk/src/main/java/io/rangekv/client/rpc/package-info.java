/**
 * Talking to stores: one multiplexed connection per store ({@link io.rangekv.client.rpc.StoreClient}), pooled
 * ({@link io.rangekv.client.rpc.StoreClientPool}), with transport failures classified by what the caller may do.
 */
package io.rangekv.client.rpc;
