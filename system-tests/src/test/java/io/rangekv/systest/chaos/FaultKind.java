package io.rangekv.systest.chaos;

/** The faults the harness injects; each run of the CI test does every kind the machine supports at least once. */
enum FaultKind {
    /** One store cut off from every other host (iptables DROP both ways on its link). */
    ISOLATE_STORE,
    /** The PD members and stores split into a majority and a minority side that cannot talk to each other. */
    PARTITION,
    /** The PD leader (the only member in a one-member PD) cut off from every other host. */
    ISOLATE_PD_LEADER,
    /** A share (50-100 %) of what one host sends is dropped; what it receives arrives. */
    ONE_WAY_LOSS,
    /** SIGSTOP, then SIGCONT: a store or PD member frozen with its sockets open. */
    PAUSE,
    /** kill -9, then a restart with the same data. */
    KILL_RESTART,
    /** One store's data directory (its own tmpfs) filled until writes fail with ENOSPC, then freed. */
    DISK_FULL,
    /** One process's wall clock moved by 10-300 s either way (libfaketime), then put right. */
    CLOCK_SKEW
}
