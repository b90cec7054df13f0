/**
 * The etcd benchmark target: a 3-member cluster of the installed etcd binary on loopback (fsync on, each member's
 * data and log in the run's work directory), driven through jetcd with linearizable reads.
 */
package io.rangekv.bench.target.etcd;
