/**
 * The YCSB binding: {@link io.rangekv.bench.ycsb.RangeKvYcsbClient} lets the standard YCSB client
 * ({@code site.ycsb.Client}) drive a running cluster through the Java SDK, with each record's fields in one value
 * ({@link io.rangekv.bench.ycsb.RecordCodec}). How to run it: docs/ycsb.md.
 */
package io.rangekv.bench.ycsb;
