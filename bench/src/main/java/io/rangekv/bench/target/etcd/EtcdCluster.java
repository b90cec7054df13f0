package io.rangekv.bench.target.etcd;

import io.rangekv.store.cluster.FreePorts;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A local etcd cluster for the benchmark: {@code n} members of the installed {@code etcd} binary (Debian's
 * {@code etcd-server}), each its own process on 127.0.0.1 with client and peer ports chosen at run time
 * ({@link FreePorts}). Member {@code etcd-i} keeps its data in {@code <workDir>/etcd-i.etcd} and its log in
 * {@code <workDir>/etcd-i.log} (the first line is the command that started it). Each start bootstraps a new cluster
 * with a fresh cluster token.
 *
 * <p>Durability is etcd's default: each member fsyncs its WAL before it acknowledges Raft entries, so a write is
 * answered only once a quorum has it on disk ({@code --unsafe-no-fsync} is never passed); etcd batches entries per
 * fsync as RangeKV's shared Raft log does.
 *
 * <p><b>Concurrency:</b> thread-safe. {@link #start} blocks until every member reports healthy (which in etcd 3.4
 * needs a leader and a served quorum read) or the timeout passes. <b>Failure:</b> a member that exits during
 * start-up, or a cluster not ready in time, fails {@link #start} with the tail of the members' logs, after stopping
 * what it started. {@link #close} stops only the processes this object started, by PID: SIGTERM, then SIGKILL
 * after a grace period; it leaves the data and logs for inspection. A JVM shutdown hook does the same if the
 * benchmark ends without closing.
 */
public final class EtcdCluster implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int HTTP_TIMEOUT_MS = 1_000;
    private static final int LOG_TAIL_LINES = 30;

    /** One etcd process of the cluster. */
    public record Member(String name, int clientPort, int peerPort, Path dataDir, Path logFile) {
        public String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    private final List<Member> members;
    private final List<Process> processes;
    private final String version;
    private final PrintStream progress;
    private final Thread shutdownHook;
    private boolean closed; // guarded by this
    /** Index into {@link #members} of the member that led when the cluster became ready. */
    private volatile int firstLeader = -1;

    private EtcdCluster(List<Member> members, List<Process> processes, String version, PrintStream progress) {
        this.members = List.copyOf(members);
        this.processes = List.copyOf(processes);
        this.version = version;
        this.progress = progress;
        this.shutdownHook = new Thread(this::close, "bench-etcd-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The etcd binary: the first {@code etcd} on {@code PATH}, else {@code /usr/bin/etcd}; empty when neither is. */
    public static Optional<Path> findBinary() {
        String path = System.getenv("PATH");
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "etcd"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/etcd"));
        return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    /**
     * Starts {@code memberCount} members under {@code workDir} and waits until all are healthy and one leads.
     *
     * @throws IllegalStateException when a member exits or the cluster is not ready within {@code readyTimeout};
     *                               the message carries the log tails. Nothing started is left running.
     * @throws InterruptedException  when interrupted while waiting; the members are stopped first
     */
    public static EtcdCluster start(Path binary, Path workDir, int memberCount, Duration readyTimeout,
                                    PrintStream progress) throws IOException, InterruptedException {
        if (memberCount < 1) {
            throw new IllegalArgumentException("an etcd cluster needs at least one member, not " + memberCount);
        }
        long startedAt = System.nanoTime();
        String version = version(binary);
        Files.createDirectories(workDir);
        List<Integer> ports = FreePorts.pick(2 * memberCount);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < memberCount; i++) {
            String name = "etcd-" + (i + 1);
            members.add(new Member(name, ports.get(2 * i), ports.get(2 * i + 1),
                    workDir.resolve(name + ".etcd"), workDir.resolve(name + ".log")));
        }
        String initialCluster = members.stream().map(m -> m.name() + "=" + m.peerUrl())
                .collect(Collectors.joining(","));
        String token = "rangekv-bench-" + UUID.randomUUID();
        progress.printf("etcd: starting %d members (etcd %s) in %s, client ports %s%n", memberCount, version, workDir,
                members.stream().map(m -> String.valueOf(m.clientPort())).collect(Collectors.joining(",")));

        List<Process> processes = new ArrayList<>();
        try {
            for (Member member : members) {
                processes.add(launch(binary, workDir, member, initialCluster, token));
            }
        } catch (IOException | RuntimeException e) {
            new EtcdCluster(members.subList(0, processes.size()), processes, version, progress).close();
            throw e;
        }
        EtcdCluster cluster = new EtcdCluster(members, processes, version, progress);
        boolean ready = false;
        try {
            cluster.awaitReady(readyTimeout);
            ready = true;
        } finally {
            if (!ready) {
                cluster.close();
            }
        }
        Member leader = cluster.members.get(cluster.firstLeader);
        progress.printf("etcd: %d members ready in %.1f s, leader %s (%s)%n", memberCount,
                (System.nanoTime() - startedAt) / 1e9, leader.name(), leader.clientUrl());
        return cluster;
    }


    private static Process launch(Path binary, Path workDir, Member member, String initialCluster, String token)
            throws IOException {
        List<String> command = List.of(binary.toString(),
                "--name", member.name(),
                "--data-dir", member.dataDir().toString(),
                "--listen-client-urls", member.clientUrl(),
                "--advertise-client-urls", member.clientUrl(),
                "--listen-peer-urls", member.peerUrl(),
                "--initial-advertise-peer-urls", member.peerUrl(),
                "--initial-cluster", initialCluster,
                "--initial-cluster-token", token,
                "--initial-cluster-state", "new",
                "--logger", "zap",
                "--log-outputs", "stderr");
        Files.writeString(member.logFile(), "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(member.logFile().toFile()));
        // etcd also reads ETCD_* variables; one left in the environment would change or contradict the flags.
        builder.environment().keySet().removeIf(name -> name.startsWith("ETCD"));
        return builder.start();
    }

    /** "3.4.23", from {@code etcd --version}; "unknown" when it prints something else. */
    private static String version(Path binary) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(binary + " --version did not finish in 10 s");
        }
        return output.lines().filter(l -> l.startsWith("etcd Version:"))
                .map(l -> l.substring("etcd Version:".length()).trim()).findFirst().orElse("unknown");
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (int i = 0; i < members.size(); i++) {
                Process process = processes.get(i);
                if (!process.isAlive()) {
                    Member member = members.get(i);
                    throw new IllegalStateException("etcd member " + member.name() + " exited with code "
                            + process.exitValue() + " before the cluster was ready; the end of " + member.logFile()
                            + ":\n" + logTail(member));
                }
            }
            if (members.stream().allMatch(EtcdCluster::healthy)) {
                firstLeader = findLeader();
                if (firstLeader >= 0) {
                    return;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                StringBuilder message = new StringBuilder("etcd cluster not ready after " + timeout.toSeconds()
                        + " s (every member healthy, one leader)");
                for (Member member : members) {
                    message.append("\n--- ").append(member.name()).append(healthy(member) ? " (healthy)" : "")
                            .append(", the end of ").append(member.logFile()).append(":\n").append(logTail(member));
                }
                throw new IllegalStateException(message.toString());
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    /** etcd 3.4's {@code /health} is true only with a leader, no alarm, and a quorum read that succeeded. */
    private static boolean healthy(Member member) {
        return httpGet(member, "/health").map(body -> body.contains("\"health\":\"true\"")).orElse(false);
    }

    private int findLeader() {
        for (int i = 0; i < members.size(); i++) {
            boolean leads = httpGet(members.get(i), "/metrics")
                    .map(body -> body.lines().anyMatch(l -> l.equals("etcd_server_is_leader 1")))
                    .orElse(false);
            if (leads) {
                return i;
            }
        }
        return -1;
    }

    private static Optional<String> httpGet(Member member, String path) {
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) URI.create(member.clientUrl() + path).toURL().openConnection();
            connection.setConnectTimeout(HTTP_TIMEOUT_MS);
            connection.setReadTimeout(HTTP_TIMEOUT_MS);
            if (connection.getResponseCode() != 200) {
                return Optional.empty();
            }
            try (InputStream in = connection.getInputStream()) {
                return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException notYet) {
            return Optional.empty();
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    /** The last lines of a member's log, for failure messages. */
    static String logTail(Member member) {
        try {
            List<String> lines = Files.readAllLines(member.logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public List<Member> members() {
        return members;
    }

    /** The client URLs, the member that led at start-up first (clients that pick the first endpoint talk to it). */
    public List<String> clientUrlsLeaderFirst() {
        List<String> urls = new ArrayList<>();
        urls.add(members.get(firstLeader).clientUrl());
        for (int i = 0; i < members.size(); i++) {
            if (i != firstLeader) {
                urls.add(members.get(i).clientUrl());
            }
        }
        return urls;
    }

    /** The OS process ids of the members, in member order. */
    public List<Long> pids() {
        return processes.stream().map(Process::pid).toList();
    }

    /** The etcd version that runs ("3.4.23"). */
    public String version() {
        return version;
    }

    /**
     * SIGTERM to the followers, then to the leader, SIGKILL to any member still alive after the grace period; data
     * and logs stay. The order matters: a leader that gets SIGTERM first tries to hand leadership to a follower
     * for up to etcd's request timeout (7 s), and fails when that follower is stopping too; once the followers are
     * gone it has nobody to hand over to and exits at once.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // Called from the hook itself, or the JVM is exiting: stopping the processes is all that is left.
        }
        long begin = System.nanoTime();
        int leader = findLeader();
        List<Process> followers = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            if (i != leader) {
                followers.add(processes.get(i));
            }
        }
        int killed = 0;
        try {
            killed += stop(followers);
            killed += leader >= 0 ? stop(List.of(processes.get(leader))) : 0;
        } catch (InterruptedException e) {
            processes.forEach(Process::destroyForcibly);
            Thread.currentThread().interrupt();
        }
        progress.printf("etcd: stopped %d members in %.1f s%s; data and logs kept in %s%n", processes.size(),
                (System.nanoTime() - begin) / 1e9, killed > 0 ? " (" + killed + " needed SIGKILL)" : "",
                members.isEmpty() ? "(none)" : members.get(0).logFile().getParent());
    }

    /** SIGTERM to each of {@code group}, SIGKILL to those alive after the grace period; how many needed SIGKILL. */
    private static int stop(List<Process> group) throws InterruptedException {
        group.forEach(Process::destroy);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        int killed = 0;
        for (Process process : group) {
            if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                killed++;
                process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return killed;
    }
}
