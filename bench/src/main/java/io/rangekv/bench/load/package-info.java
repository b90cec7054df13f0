/**
 * The cluster load generator ({@code ./rangekv bench}): YCSB-style workloads from config files, driven against
 * {@link io.rangekv.bench.load.Target}s side by side in one invocation, with HdrHistogram latencies, throughput
 * over time and a report under {@code bench/results/}.
 */
package io.rangekv.bench.load;
