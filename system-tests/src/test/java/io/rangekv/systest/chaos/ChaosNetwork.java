package io.rangekv.systest.chaos;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The test hosts' network: one network namespace per process (PD member, store, the workload client) and a "hub"
 * namespace holding the bridge that joins them, one veth pair per host. No address or interface is ever created in
 * the machine's own (root) namespace: the veth pairs are created straight into their namespaces, the bridge has no
 * address, and the harness's own JVM talks to the cluster only through the client process (see {@link ClientLink}).
 *
 * <p>Names and the subnet are picked per run: namespaces are {@code rkchaos-<pid>-<run>-<host>}, so two runs (or two
 * engineers) never collide, and {@link #sweepLeftovers()} can find what a killed harness left behind by its dead pid.
 * Faults are iptables rules in two chains per host namespace ({@code CHAOS-IN}, {@code CHAOS-OUT}) that
 * {@link #heal()} flushes; the rules die with their namespace, so {@link #close()} (deleting every namespace this
 * object created) removes every rule, veth and the bridge too.
 */
final class ChaosNetwork implements AutoCloseable {
    static final String PREFIX = "rkchaos-";
    /** The interface's name inside each host namespace (names are per namespace, so every host can use it). */
    private static final String HOST_IF = "c0";

    /** One test host: its namespace and address. */
    record Host(String name, String ns, String ip) {
    }

    private final String tag;
    private final String subnet;
    private final String hubNs;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<String> created = new ArrayList<>();
    private boolean closed;

    private ChaosNetwork(String tag, String subnet) {
        this.tag = tag;
        this.subnet = subnet;
        this.hubNs = tag + "-hub";
    }

    /** Creates the hub namespace and its bridge; {@code run} makes the names unique within this JVM. */
    static ChaosNetwork create(int run) {
        long pid = ProcessHandle.current().pid();
        // The subnet only exists inside our namespaces; varying it per run just keeps two runs' logs distinguishable.
        int v = (int) ((pid * 31 + run) % (50 * 256));
        ChaosNetwork net = new ChaosNetwork(PREFIX + pid + "-" + run, "10." + (200 + v / 256) + "." + (v % 256) + ".");
        try {
            net.addNamespace(net.hubNs);
            net.inNs(net.hubNs, "ip", "link", "add", "br0", "type", "bridge");
            net.inNs(net.hubNs, "ip", "link", "set", "br0", "up");
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** Whether this machine lets us create namespaces, veth pairs and bridges (root, and a kernel that has them). */
    static Optional<String> unusableBecause() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("not root (user " + System.getProperty("user.name") + ")");
        }
        String probe = PREFIX + ProcessHandle.current().pid() + "-probe";
        try {
            Cmd.Result add = Cmd.attempt("ip", "netns", "add", probe);
            if (!add.ok()) {
                return Optional.of("ip netns add failed: " + add.output().strip());
            }
            Cmd.Result veth = Cmd.attempt("ip", "-n", probe, "link", "add", "p0", "type", "veth", "peer", "name", "p1");
            if (!veth.ok()) {
                return Optional.of("no veth pairs: " + veth.output().strip());
            }
            Cmd.Result bridge = Cmd.attempt("ip", "-n", probe, "link", "add", "b0", "type", "bridge");
            if (!bridge.ok()) {
                return Optional.of("no bridges: " + bridge.output().strip());
            }
            Cmd.Result ipt = Cmd.attempt("ip", "netns", "exec", probe, "iptables", "-N", "CHAOS-PROBE");
            if (!ipt.ok()) {
                return Optional.of("iptables unusable in a namespace: " + ipt.output().strip());
            }
            return Optional.empty();
        } finally {
            Cmd.attempt("ip", "netns", "del", probe);
        }
    }

    /** Adds a host: its namespace, a veth pair into the hub's bridge, its address, and the empty fault chains. */
    synchronized Host addHost(String name) {
        String ns = tag + "-" + name;
        String ip = subnet + (hosts.size() + 2);
        addNamespace(ns);
        String hubSide = "h-" + name;
        Cmd.run("ip", "link", "add", HOST_IF, "netns", ns, "type", "veth", "peer", "name", hubSide, "netns", hubNs);
        inNs(hubNs, "ip", "link", "set", hubSide, "master", "br0", "up");
        inNs(ns, "ip", "link", "set", "lo", "up");
        inNs(ns, "ip", "addr", "add", ip + "/24", "dev", HOST_IF);
        inNs(ns, "ip", "link", "set", HOST_IF, "up");
        for (String chain : List.of("CHAOS-IN", "CHAOS-OUT")) {
            inNs(ns, "iptables", "-N", chain);
        }
        inNs(ns, "iptables", "-I", "INPUT", "1", "-j", "CHAOS-IN");
        inNs(ns, "iptables", "-I", "OUTPUT", "1", "-j", "CHAOS-OUT");
        Host host = new Host(name, ns, ip);
        hosts.put(name, host);
        return host;
    }

    Host host(String name) {
        Host h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no host " + name);
        }
        return h;
    }

    String subnet() {
        return subnet + "0/24";
    }

    String tag() {
        return tag;
    }

    /** The words that run a command inside the host's namespace; {@code ip netns exec} execs it in place. */
    static List<String> execPrefix(Host host) {
        return List.of("ip", "netns", "exec", host.ns());
    }

    /** Drops everything the host sends or receives on its link (the host still reaches itself). */
    synchronized void isolate(Host host) {
        inNs(host.ns(), "iptables", "-A", "CHAOS-IN", "-i", HOST_IF, "-j", "DROP");
        inNs(host.ns(), "iptables", "-A", "CHAOS-OUT", "-o", HOST_IF, "-j", "DROP");
    }

    /** Drops all traffic between every host of {@code a} and every host of {@code b}, rules on both sides. */
    synchronized void cut(Collection<Host> a, Collection<Host> b) {
        for (Host x : a) {
            for (Host y : b) {
                block(x, y);
                block(y, x);
            }
        }
    }

    private void block(Host at, Host peer) {
        inNs(at.ns(), "iptables", "-A", "CHAOS-IN", "-s", peer.ip(), "-j", "DROP");
        inNs(at.ns(), "iptables", "-A", "CHAOS-OUT", "-d", peer.ip(), "-j", "DROP");
    }

    /**
     * One-way loss: a share {@code probability} of the packets the host sends is dropped; what it receives is not
     * touched (the kernel here has no netem qdisc, so this is iptables' statistic match on the sending side).
     */
    synchronized void lossOutbound(Host host, double probability) {
        inNs(host.ns(), "iptables", "-A", "CHAOS-OUT", "-o", HOST_IF, "-m", "statistic", "--mode", "random",
                "--probability", String.format(java.util.Locale.ROOT, "%.2f", probability), "-j", "DROP");
    }

    /** Removes every fault rule on every host; returns the hosts whose chains could not be flushed (none, normally). */
    synchronized List<String> heal() {
        List<String> failed = new ArrayList<>();
        for (Host h : hosts.values()) {
            for (String chain : List.of("CHAOS-IN", "CHAOS-OUT")) {
                Cmd.Result r = Cmd.attempt("ip", "netns", "exec", h.ns(), "iptables", "-F", chain);
                if (!r.ok()) {
                    failed.add(h.name() + " " + chain + ": " + r.output().strip());
                }
            }
        }
        return failed;
    }

    /** The iptables rules now in force on every host, for the run's record. */
    synchronized String rules() {
        StringBuilder sb = new StringBuilder();
        for (Host h : hosts.values()) {
            sb.append(h.name()).append(' ').append(h.ip()).append(":\n");
            for (String chain : List.of("CHAOS-IN", "CHAOS-OUT")) {
                sb.append(Cmd.attempt("ip", "netns", "exec", h.ns(), "iptables", "-S", chain).output());
            }
        }
        return sb.toString();
    }

    private void addNamespace(String ns) {
        Cmd.run("ip", "netns", "add", ns);
        created.add(ns);
    }

    private static void inNs(String ns, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        Cmd.run(full);
    }

    /** Deletes every namespace this run created (with them go their veths, the bridge and every iptables rule). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> reversed = new ArrayList<>(created);
        java.util.Collections.reverse(reversed);
        for (String ns : reversed) {
            Cmd.Result r = Cmd.attempt("ip", "netns", "del", ns);
            if (!r.ok() && !r.output().contains("No such file")) {
                System.err.println("chaos: could not delete namespace " + ns + ": " + r.output().strip());
            }
        }
    }

    /**
     * Deletes the namespaces of chaos harnesses that died without cleaning up (their pid is gone), e.g. a JVM killed
     * with SIGKILL. Never touches a namespace of a live process, so concurrent runs are safe.
     */
    static List<String> sweepLeftovers() {
        List<String> removed = new ArrayList<>();
        Cmd.Result list = Cmd.attempt("ip", "netns", "list");
        if (!list.ok()) {
            return removed;
        }
        for (String line : list.output().split("\n")) {
            String name = line.split("\\s+")[0];
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            String[] parts = name.substring(PREFIX.length()).split("-");
            long pid;
            try {
                pid = Long.parseLong(parts[0]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            // Processes the dead harness started are still running in there: end them by pid first.
            for (String p : Cmd.attempt("ip", "netns", "pids", name).output().split("\\s+")) {
                if (p.matches("\\d+")) {
                    Cmd.attempt("kill", "-CONT", p);
                    Cmd.attempt("kill", "-9", p);
                }
            }
            if (Cmd.attempt("ip", "netns", "del", name).ok()) {
                removed.add(name);
            }
        }
        // Their tmpfs mounts (a store's data directory) carry the same tag in the path.
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                if (f.length < 2 || !f[1].contains("/" + PREFIX)) {
                    continue;
                }
                String rest = f[1].substring(f[1].indexOf("/" + PREFIX) + 1 + PREFIX.length());
                String pidPart = rest.split("-")[0];
                if (pidPart.matches("\\d+") && !ProcessHandle.of(Long.parseLong(pidPart))
                        .map(ProcessHandle::isAlive).orElse(false)) {
                    if (Cmd.attempt("umount", "-l", f[1]).ok()) {
                        removed.add(f[1]);
                    }
                }
            }
        } catch (java.io.IOException e) {
            // no /proc/mounts: nothing to sweep
        }
        return removed;
    }
}
