/**
 * Talking to stores: one multiplexed connection per store ({@link io.rangekv.rpc.RpcConnection}), pooled
 * ({@link io.rangekv.client.rpc.StoreClientPool}), with transport failures classified by what the caller may do.
 */
package io.rangekv.client.rpc;
