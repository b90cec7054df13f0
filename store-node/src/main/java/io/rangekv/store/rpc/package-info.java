/**
 * The KV service: the Netty server, request validation, and the dispatch from protobuf requests to region
 * replicas. Generated protobuf types stop here.
 */
package io.rangekv.store.rpc;
