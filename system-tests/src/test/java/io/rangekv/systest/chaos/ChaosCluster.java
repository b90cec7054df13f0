package io.rangekv.systest.chaos;

import io.rangekv.store.process.JvmProcess;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * The chaos run's processes: PD members, stores and the workload client, each a JVM in its own network namespace
 * ({@code ip netns exec <ns> java ...}, via {@link JvmProcess#commandPrefix}). Each store's data directory is its own
 * small tmpfs, so that one store's disk can be filled without touching the machine's disk. Every PD member and store
 * runs under libfaketime (when installed) reading its clock offset from a file, so a clock skew is a write to that
 * file, without a restart. {@link #close()} ends every process by its pid (paused ones are continued first) and
 * unmounts every tmpfs.
 */
final class ChaosCluster implements AutoCloseable {
    static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
    private static final Duration READY = Duration.ofSeconds(90);
    private static final int PD_RPC = 2379;
    private static final int PD_RAFT = 2380;
    private static final int PD_HTTP = 2381;
    private static final int KV = 20160;
    private static final int RAFT = 20170;
    private static final String TMPFS_SIZE = "256m";

    enum Role { PD, STORE, CLIENT }

    /** One process: where it runs and how to reach it. */
    static final class Node {
        final String name;
        final Role role;
        final long id;
        final ChaosNetwork.Host host;
        final JvmProcess process;
        final Path dataDir;
        final Path clockFile;
        final String readyLine;
        volatile boolean paused;
        volatile boolean retired;
        volatile boolean mounted;
        /** Why this process could not be started again (a finding); it is left out of faults and the settle. */
        volatile String broken;

        Node(String name, Role role, long id, ChaosNetwork.Host host, JvmProcess process, Path dataDir,
             Path clockFile, String readyLine) {
            this.name = name;
            this.role = role;
            this.id = id;
            this.host = host;
            this.process = process;
            this.dataDir = dataDir;
            this.clockFile = clockFile;
            this.readyLine = readyLine;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final Path dir;
    private final ChaosNetwork net;
    private final ChaosSettings settings;
    private final boolean faketime;
    private final Map<String, Node> nodes = new TreeMap<>();

    ChaosCluster(Path dir, ChaosNetwork net, ChaosSettings settings) {
        this.dir = dir;
        this.net = net;
        this.settings = settings;
        this.faketime = Files.exists(LIBFAKETIME);
    }

    boolean hasFaketime() {
        return faketime;
    }

    synchronized List<Node> pds() {
        return nodes.values().stream().filter(n -> n.role == Role.PD).toList();
    }

    /** PD members that run (not broken): fault targets. */
    synchronized List<Node> workingPds() {
        return pds().stream().filter(n -> n.broken == null).toList();
    }

    /** Stores that are part of the cluster (not retired after an offline + replace). */
    synchronized List<Node> stores() {
        return nodes.values().stream().filter(n -> n.role == Role.STORE && !n.retired && n.broken == null)
                .toList();
    }

    synchronized List<Node> all() {
        return List.copyOf(nodes.values());
    }

    synchronized Node node(String name) {
        return nodes.get(name);
    }

    /**
     * Every live PD member's and store's threads, each into {@code <name>.threads.txt} in the run directory (the
     * JDK's {@code jcmd <pid> Thread.print}; it reaches a JVM in another network namespace, since the pid and file
     * namespaces are shared). Taken when the cluster does not settle: a store whose admin thread stalled (seed 618:
     * no replica created or destroyed for five minutes) leaves no other trace of what it waited on.
     */
    void dumpThreads() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        for (Node n : all()) {
            if (n.role == Role.CLIENT || !n.process.isAlive()) {
                continue;
            }
            Cmd.Result r = Cmd.attempt(jcmd.toString(), String.valueOf(n.process.pid()), "Thread.print");
            try {
                Files.writeString(dir.resolve(n.name + ".threads.txt"), r.output());
            } catch (IOException e) {
                // a thread dump is evidence, not a verdict: a run goes on without it
            }
        }
    }

    synchronized Node storeById(long id) {
        return nodes.get("store-" + id);
    }

    synchronized List<String> pdRpc() {
        return pds().stream().map(n -> n.host.ip() + ":" + PD_RPC).toList();
    }

    synchronized List<String> pdHttp() {
        return pds().stream().map(n -> n.host.ip() + ":" + PD_HTTP).toList();
    }

    /** Starts the PD members (one group) and waits until each is ready. */
    void startPd() {
        List<ChaosNetwork.Host> hosts = new ArrayList<>();
        for (int id = 1; id <= settings.pdMembers(); id++) {
            hosts.add(net.addHost("pd" + id));
        }
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++) {
            members.append(i == 0 ? "" : ",").append(i + 1).append('@').append(hosts.get(i).ip()).append(':')
                    .append(PD_RPC).append('/').append(PD_RAFT).append('/').append(PD_HTTP);
        }
        List<Node> started = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            long id = i + 1;
            Map<String, String> conf = new TreeMap<>(settings.pdConfig());
            conf.put("pd.id", String.valueOf(id));
            conf.put("pd.data-dir", dir.resolve("pd-" + id + "-data").toString());
            conf.put("pd.members", members.toString());
            conf.put("pd.election-timeout", "1000ms");
            started.add(launch("pd-" + id, Role.PD, id, hosts.get(i), "io.rangekv.pd.PdMain", conf,
                    dir.resolve("pd-" + id + "-data"), false, "pd " + id + " ready"));
        }
        started.forEach(this::awaitReady);
    }

    /** Starts stores 1..n and waits until each is ready. */
    void startStores() {
        List<Node> started = new ArrayList<>();
        for (long id = 1; id <= settings.stores(); id++) {
            started.add(launchStore(id));
        }
        started.forEach(this::awaitReady);
    }

    /** Starts one more store (a new id, in a new namespace), e.g. the replacement of a store taken offline. */
    Node addStore(long id) {
        Node n = launchStore(id);
        awaitReady(n);
        return n;
    }

    private Node launchStore(long id) {
        ChaosNetwork.Host host = net.addHost("s" + id);
        Path data = dir.resolve("store-" + id + "-data");
        Map<String, String> conf = new TreeMap<>(settings.storeConfig());
        conf.put("store.id", String.valueOf(id));
        conf.put("store.data-dir", data.toString());
        conf.put("store.host", host.ip());
        conf.put("store.kv-port", String.valueOf(KV));
        conf.put("store.raft-port", String.valueOf(RAFT));
        conf.put("engine.kind", settings.engine());
        conf.put("pd.endpoints", String.join(",", pdRpc()));
        return launch("store-" + id, Role.STORE, id, host, "io.rangekv.store.StoreMain", conf, data, true,
                "store " + id + " ready");
    }

    /** Starts the workload client in its own namespace; it serves the harness on a Unix socket. */
    ClientLink startClient(Map<String, String> extra) {
        ChaosNetwork.Host host = net.addHost("client");
        Path out = dir.resolve("client");
        Path socket = dir.resolve("client.sock");
        Map<String, String> conf = new TreeMap<>(extra);
        conf.put("socket", socket.toString());
        conf.put("out", out.toString());
        conf.put("pd.rpc", String.join(",", pdRpc()));
        conf.put("pd.http", String.join(",", pdHttp()));
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Node n = launch("client", Role.CLIENT, 0, host, ChaosClientMain.class.getName(), conf, null, false,
                "chaos client ready");
        awaitReady(n);
        return new ClientLink(socket);
    }

    private synchronized Node launch(String name, Role role, long id, ChaosNetwork.Host host, String main,
                                     Map<String, String> conf, Path data, boolean tmpfs, String readyLine) {
        try {
            Files.createDirectories(dir);
            if (data != null) {
                Files.createDirectories(data);
            }
            Path confFile = dir.resolve(name + ".conf");
            List<String> lines = new ArrayList<>();
            conf.forEach((k, v) -> lines.add(k + " = " + v));
            Files.write(confFile, lines);
            JvmProcess p = new JvmProcess(name, main, confFile, dir.resolve(name + ".log"))
                    .commandPrefix(ChaosNetwork.execPrefix(host));
            Path clock = null;
            if (faketime && role != Role.CLIENT) {
                clock = dir.resolve(name + ".faketime");
                Files.writeString(clock, "+0\n");
                // Only the wall clock is skewed: the JVM's monotonic clock (timeouts, Raft timers) stays true, as
                // on a machine whose NTP went wrong. The offset is re-read from the file every second.
                // FAKETIME_FORCE_MONOTONIC_FIX=0: with libfaketime 0.9.10's default (its pthread_cond_timedwait
                // "monotonic fix") a store JVM crawled and never got ready in 90 s (measured: no "ready" line in 12 s
                // standalone, ready in under 2 s with the fix off).
                p.environment(Map.of("LD_PRELOAD", LIBFAKETIME.toString(), "FAKETIME_TIMESTAMP_FILE",
                        clock.toString(), "FAKETIME_CACHE_DURATION", "1", "FAKETIME_DONT_FAKE_MONOTONIC", "1",
                        "FAKETIME_FORCE_MONOTONIC_FIX", "0", "NO_FAKE_STAT", "1"));
            }
            Node n = new Node(name, role, id, host, p, data, clock, readyLine);
            nodes.put(name, n);
            if (tmpfs) {
                // The store's whole data directory on its own small tmpfs: the disk-full fault fills only it.
                Cmd.run("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "rkchaos", data.toString());
                n.mounted = true;
            }
            p.start();
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void awaitReady(Node n) {
        awaitReadyLines(n, 1);
    }

    private void awaitReadyLines(Node n, long count) {
        await(n.name + " ready", READY, () -> {
            if (!n.process.isAlive()) {
                throw new IllegalStateException(n.name + " exited during start-up:\n" + n.process.logTail());
            }
            return readyLines(n) >= count;
        });
    }

    private static long readyLines(Node n) {
        try {
            return Files.exists(n.process.logFile()) ? Files.readAllLines(n.process.logFile()).stream()
                    .filter(l -> l.startsWith(n.readyLine)).count() : 0;
        } catch (IOException | UncheckedIOException e) {
            return 0; // a line being written that is not UTF-8 yet
        }
    }

    /** kill -9: nothing flushed, no shutdown hook. */
    void kill(Node n) throws InterruptedException {
        resume(n);
        n.process.kill();
    }

    /** Starts a stopped process again with its config and data, and waits until it says ready. */
    void restart(Node n) {
        long before = readyLines(n);
        n.process.start();
        awaitReadyLines(n, before + 1);
    }

    /**
     * Restarts the process; if it cannot start (it exits during start-up), marks it broken with the log's error
     * lines and returns them, so the run goes on without it and reports the finding. Null when it started.
     */
    String restartOrMarkBroken(Node n) {
        // A store the churn took offline can reach TOMBSTONE while it is down, and is then retired: its process is
        // stopped on purpose, before or right after this restart. Not a failed restart (finding 10: 4 such "exited
        // during start-up" findings in 39 runs were all this race).
        if (n.retired) {
            return null;
        }
        try {
            restart(n);
            return null;
        } catch (IllegalStateException e) {
            if (n.retired) {
                return null;
            }
            StringBuilder errors = new StringBuilder();
            try {
                // The last error lines: the start-up that failed, not the errors of the run before it.
                // Lines about closing connections say nothing about why it stopped; the main thread's exception does.
                List<String> errorLines = Files.readAllLines(n.process.logFile()).stream()
                        .filter(l -> (l.contains("ERROR") && !l.contains("Rpc response send failed"))
                                || l.startsWith("Exception in thread \"main\"")).toList();
                errorLines.subList(Math.max(0, errorLines.size() - 4), errorLines.size())
                        .forEach(l -> errors.append("\n      ").append(l.length() > 400 ? l.substring(0, 400) : l));
            } catch (IOException | UncheckedIOException io) {
                errors.append(" (log unreadable)");
            }
            n.broken = n.name + " could not be restarted: " + e.getMessage().lines().findFirst().orElse("")
                    + errors;
            try {
                n.process.kill();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            return n.broken;
        }
    }

    /** SIGSTOP: the process keeps its sockets but answers nothing, as a long GC pause or a stalled VM. */
    void pause(Node n) {
        Cmd.run("kill", "-STOP", String.valueOf(n.process.pid()));
        n.paused = true;
    }

    void resume(Node n) {
        if (n.paused && n.process.isAlive()) {
            Cmd.run("kill", "-CONT", String.valueOf(n.process.pid()));
        }
        n.paused = false;
    }

    /** Shifts the process's wall clock by {@code seconds} (0 puts it right); libfaketime re-reads within 1 s. */
    void skew(Node n, long seconds) throws IOException {
        if (n.clockFile == null) {
            throw new IllegalStateException(n.name + " does not run under libfaketime");
        }
        Files.writeString(n.clockFile, (seconds >= 0 ? "+" : "") + seconds + "s\n");
    }

    /** Fills the store's tmpfs until the file system says it is full; returns the bytes written. */
    long fillDisk(Node n) {
        Path filler = n.dataDir.resolve("chaos-filler");
        byte[] chunk = new byte[1 << 20];
        long written = 0;
        try (OutputStream o = Files.newOutputStream(filler)) {
            while (written < (1L << 30)) {
                o.write(chunk);
                written += chunk.length;
            }
        } catch (IOException e) {
            // ENOSPC: the disk is full, which is the point
        }
        return written;
    }

    void freeDisk(Node n) throws IOException {
        Files.deleteIfExists(n.dataDir.resolve("chaos-filler"));
    }

    /** Stops a store for good (after it was taken offline and drained). */
    void retire(Node n) {
        n.retired = true; // first: the nemesis restarts any store it finds dead that is not retired
        resume(n);
        n.process.close();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + timeout.toSeconds() + " s: " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what);
            }
        }
    }

    /** Ends every process by pid (paused ones continued first so SIGTERM can be handled), then unmounts. */
    @Override
    public void close() {
        List<Node> all = all();
        for (Node n : all) {
            try {
                resume(n);
            } catch (RuntimeException e) {
                System.err.println("chaos: SIGCONT " + n.name + ": " + e.getMessage());
            }
        }
        // The client first (it holds connections), then stores, then the PD: the order a person would stop them.
        List<Node> order = new ArrayList<>(all.stream().filter(n -> n.role == Role.CLIENT).toList());
        order.addAll(all.stream().filter(n -> n.role == Role.STORE).toList());
        order.addAll(all.stream().filter(n -> n.role == Role.PD).toList());
        order.parallelStream().forEach(n -> {
            try {
                n.process.kill(); // SIGKILL by pid: the data is thrown away anyway, a clean stop only costs time
            } catch (Exception e) {
                System.err.println("chaos: could not kill " + n.name + ": " + e.getMessage());
            }
        });
        for (Node n : all) {
            if (n.mounted) {
                Cmd.Result r = Cmd.attempt("umount", n.dataDir.toString());
                if (!r.ok()) {
                    r = Cmd.attempt("umount", "-l", n.dataDir.toString());
                }
                if (r.ok()) {
                    n.mounted = false;
                } else {
                    System.err.println("chaos: could not unmount " + n.dataDir + ": " + r.output().strip());
                }
            }
        }
    }
}
