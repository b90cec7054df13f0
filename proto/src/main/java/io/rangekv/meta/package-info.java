/**
 * The domain records every module shares: keys and their order ({@link io.rangekv.meta.Key}), key ranges, regions,
 * epochs, peers and stores. Immutable values; no generated protobuf type appears here (converters live in
 * {@code io.rangekv.wire}).
 */
package io.rangekv.meta;
