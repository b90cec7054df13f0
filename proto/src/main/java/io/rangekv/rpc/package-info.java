/**
 * Client side of the framed protobuf RPCs (KV to stores, PD to the placement driver): a multiplexed
 * {@link io.rangekv.rpc.RpcConnection} per server, pooled, and {@link io.rangekv.rpc.PdRpcClient}, which follows
 * the PD leader.
 */
package io.rangekv.rpc;
