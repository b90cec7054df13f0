/** Benchmark reports: results.json, summary.md with ratios to each peer, and PNG plots (JFreeChart). */
package io.rangekv.bench.report;
