package io.rangekv.bench.load;

import java.util.Optional;

/**
 * Starts one kind of {@link Target} for a run: its servers (processes on loopback, ports chosen at run time, data
 * under {@link TargetContext#workDir()}) and its client. One launcher per target kind, found by name in
 * {@link Targets}.
 */
public interface TargetLauncher {
    /** The name on the command line: {@code --targets rangekv,etcd}. */
    String name();

    /**
     * Why this target cannot run on this machine, with the command that fixes it ("etcd is not installed:
     * apt-get install etcd-server"); empty when it can. The bench prints it and runs the other targets.
     */
    Optional<String> unavailableReason();

    /** Starts the servers and connects a client; blocks until the target answers a put and a read. */
    Target start(TargetContext context) throws Exception;
}
