/** JMH microbenchmarks; each class doc gives the workload and the command that runs it. */
package io.rangekv.bench.jmh;
