package io.rangekv.systest.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.rangekv.systest.history.CheckResult;
import io.rangekv.systest.history.Op;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * One chaos run, start to end: the network and processes, the workloads, faults and admin churn for the fault
 * phase, then heal, settle (conditions with timeouts), a linearizable read of the whole key space, the replica
 * consistency check, and the checks. Everything is torn down in {@code finally} and, should this JVM be stopped
 * first, by a shutdown hook. A run that fails keeps its directory (logs, history, fault schedule, admin requests,
 * range changes, report); a run that passes keeps only its report and schedules.
 */
final class ChaosRun {

    private final ChaosSettings settings;
    private final int runIndex;
    private final StringBuilder log = new StringBuilder();

    ChaosRun(ChaosSettings settings, int runIndex) {
        this.settings = settings;
        this.runIndex = runIndex;
    }

    /** What a run found. {@code passed}: no violation and every condition of a meaningful run met. */
    record Report(long seed, Path dir, boolean passed, boolean keep, List<String> violations, List<String> problems,
                  List<String> findings, String text, long operations, Map<FaultKind, Long> faults,
                  Map<Observer.ChangeKind, Long> changes,
                  Map<Observer.ChangeKind, Long> changesDuringFaults, String consistency) {
    }

    private void say(String format, Object... args) {
        String line = String.format(format, args);
        System.out.println("chaos: " + line);
        log.append(line).append('\n');
    }

    Report execute() throws Exception {
        List<String> swept = ChaosNetwork.sweepLeftovers();
        if (!swept.isEmpty()) {
            System.out.println("chaos: removed leftovers of dead harnesses: " + swept);
        }
        ChaosNetwork net = ChaosNetwork.create(runIndex);
        Path dir = settings.baseDir().resolve(net.tag());
        Files.createDirectories(dir);
        ChaosCluster cluster = new ChaosCluster(dir, net, settings);
        AtomicBoolean tornDown = new AtomicBoolean();
        Runnable teardown = () -> {
            if (tornDown.compareAndSet(false, true)) {
                cluster.close();
                net.close();
            }
        };
        Thread hook = new Thread(teardown, "chaos-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        long t0 = System.currentTimeMillis();
        say("run %s seed %d: %d PD member(s), %d stores, %s engine, fault phase %d s, subnet %s (only inside "
                        + "namespaces %s-*), directory %s", net.tag(), settings.seed(), settings.pdMembers(),
                settings.stores(), settings.engine(), settings.faultPhase().toSeconds(), net.subnet(), net.tag(), dir);
        Report report = null;
        ClientLink link = null;
        Nemesis nemesis = null;
        Observer observer = null;
        Churn churn = null;
        List<String> problems = new ArrayList<>();
        List<String> liveness = new ArrayList<>();
        // Declared out here so that finally stops the churn and observer threads whatever happened.
        AtomicBoolean churning = new AtomicBoolean();
        AtomicBoolean observing = new AtomicBoolean();
        try {
            cluster.startPd();
            cluster.startStores();
            link = cluster.startClient(Map.of("buckets", String.valueOf(settings.buckets())));
            PdAdmin admin = new PdAdmin(link);
            say("cluster up in %.1f s", (System.currentTimeMillis() - t0) / 1000.0);
            awaitCondition("the first region has a leader", Duration.ofSeconds(90), () -> admin.regions()
                    .map(rs -> !rs.isEmpty() && rs.stream().allMatch(PdAdmin.Region::hasLeader)).orElse(false));
            preSplit(admin);
            nemesis = new Nemesis(cluster, net, admin, settings.seed());
            Nemesis nem = nemesis;
            observer = new Observer(admin, nem::active);
            Observer obs = observer;
            churn = new Churn(cluster, admin, observer, nem::active, settings.seed(), settings.buckets());
            Churn ch = churn;
            long faultSeconds = settings.faultPhase().toSeconds();
            link.call(ClientLink.JSON.createObjectNode().put("op", "start").put("seed", settings.seed())
                    .put("seconds", faultSeconds + settings.settleTimeout().toSeconds() + 60));
            churning.set(true);
            observing.set(true);
            long phaseStart = System.currentTimeMillis();
            long phaseEnd = phaseStart + settings.faultPhase().toMillis();
            Thread observerThread = daemon("chaos-observer", () -> {
                while (observing.get()) {
                    obs.poll();
                    ch.retireIfTombstoned();
                    pause(1000);
                }
            });
            Thread churnThread = daemon("chaos-churn", () -> {
                pause(2000);
                while (churning.get()) {
                    long elapsed = System.currentTimeMillis() - phaseStart;
                    boolean replaceNow = settings.replaceStore() && elapsed > settings.faultPhase().toMillis() / 4;
                    try {
                        ch.runOne(replaceNow);
                    } catch (RuntimeException e) {
                        say("churn: %s", e);
                    }
                    pause(ch.nextPauseMs());
                }
            });
            pause(3000); // the workloads' first seconds without faults: a baseline in the history
            long hardEnd = phaseStart + 2 * settings.faultPhase().toMillis();
            while (System.currentTimeMillis() < phaseEnd
                    || (!nemesis.coveredAll() && System.currentTimeMillis() < hardEnd)) {
                FaultEvent e = nemesis.runOne();
                say("fault %d %s on %s healed after %.1f s (%s)", e.seq(), e.kind(), e.target(),
                        (e.endMs() - e.startMs()) / 1000.0, e.note());
                pause(1000 + (e.seq() * 7919L) % 2000); // a gap between faults: 1-3 s
            }
            churning.set(false);
            churnThread.join(30_000);
            nemesis.healAll();
            say("fault phase over after %.1f s: %d faults, every fault healed; settling",
                    (System.currentTimeMillis() - phaseStart) / 1000.0, nemesis.events().size());
            long settleStart = System.currentTimeMillis();
            String unsettled = settle(admin, churn, observer, cluster);
            if (unsettled != null) {
                liveness.add("the cluster did not settle within " + settings.settleTimeout().toSeconds()
                        + " s after every fault was healed: " + unsettled);
                cluster.dumpThreads();
            } else {
                say("settled in %.1f s", (System.currentTimeMillis() - settleStart) / 1000.0);
            }
            observing.set(false);
            observerThread.join(10_000);
            JsonNode stopped = link.call(ClientLink.JSON.createObjectNode().put("op", "stop"));
            JsonNode read = link.call(ClientLink.JSON.createObjectNode().put("op", "final-read").put("seconds", 20));
            if (!read.path("ok").asBoolean() && read.path("pairs").asLong() == 0) {
                problems.add("the final read got nothing at all: " + read);
            } else if (!read.path("ok").asBoolean()) {
                liveness.add("the final linearizable scan of the whole key space failed (" + read.path("error")
                        .asText() + "); buckets read one by one, unreadable (not verified): "
                        + read.path("unreadable_buckets").asText());
            }
            ConsistencyCheck.Result consistency = new ConsistencyCheck(link).run(() -> admin.regions()
                    .map(rs -> rs.stream().map(PdAdmin.Region::id).toList()), Duration.ofSeconds(60));
            say("replica consistency check: %s", consistency);
            report = check(dir, t0, stopped, read, consistency, nemesis, observer, churn, problems, liveness);
            return report;
        } catch (Exception | AssertionError e) {
            problems.add("the run itself failed: " + e);
            say("run failed: %s", e);
            throw e;
        } finally {
            churning.set(false);
            observing.set(false);
            if (link != null) {
                try {
                    link.call(ClientLink.JSON.createObjectNode().put("op", "exit"));
                } catch (IOException ignored) {
                    // the client is killed with the rest
                }
            }
            if (nemesis != null && report == null) {
                writeSchedules(dir, t0, nemesis, observer, churn);
            }
            teardown.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs (and does nothing, it already ran)
            }
            Files.writeString(dir.resolve("run.log"), log.toString());
            if (report != null && !report.keep()) {
                prune(dir);
            } else if (report != null && report.passed()) {
                System.out.println("chaos: run " + net.tag() + " passed with liveness findings; everything kept in "
                        + dir);
            } else {
                System.out.println("chaos: run " + net.tag() + " FAILED or incomplete; logs, history, fault schedule "
                        + "kept in " + dir);
            }
        }
    }

    /** Splits the first region at a few bucket boundaries so the workloads span several regions from the start. */
    private void preSplit(PdAdmin admin) {
        int parts = 6;
        for (int i = 1; i < parts; i++) {
            String key = Keyspace.boundary(i * settings.buckets() / parts);
            Optional<PdAdmin.Region> r = admin.regions().flatMap(rs -> rs.stream().filter(x -> x.contains(key))
                    .findFirst());
            r.ifPresent(x -> admin.split(x.id(), key));
        }
        say("pre-split: %d regions", admin.regions().map(List::size).orElse(0));
    }

    /**
     * Waits until the cluster is whole again: the offline store drained to TOMBSTONE (and stopped), every other
     * store UP, every region with a leader and exactly max-replicas voters on UP stores, no operator running, and
     * the same region map two polls in a row. Returns null when settled, else what was still wrong.
     */
    private String settle(PdAdmin admin, Churn churn, Observer observer, ChaosCluster cluster) {
        long deadline = System.currentTimeMillis() + settings.settleTimeout().toMillis();
        String lastProblem = "no answer from the PD";
        String previousShape = null;
        int maxReplicas = admin.maxReplicas();
        while (System.currentTimeMillis() < deadline) {
            observer.poll();
            churn.retireIfTombstoned();
            String problem = unsettled(admin, churn, cluster, maxReplicas);
            if (problem == null) {
                String shape = admin.regions().map(rs -> rs.stream().map(PdAdmin.Region::describe).toList()
                        .toString()).orElse(null);
                if (shape != null && shape.equals(previousShape)) {
                    return null;
                }
                previousShape = shape;
                lastProblem = "the region map still changing";
            } else {
                previousShape = null;
                lastProblem = problem;
            }
            pause(1000);
        }
        return lastProblem;
    }

    private static String unsettled(PdAdmin admin, Churn churn, ChaosCluster cluster, int maxReplicas) {
        for (ChaosCluster.Node n : cluster.all()) {
            if (!n.retired && n.broken == null && !n.process.isAlive()) {
                return n.name + " is not running";
            }
        }
        Optional<Map<Long, String>> stores = admin.stores();
        Optional<List<PdAdmin.Region>> regions = admin.regions();
        Optional<List<String>> operators = admin.runningOperators();
        if (stores.isEmpty() || regions.isEmpty() || operators.isEmpty()) {
            return "the PD does not answer";
        }
        for (Map.Entry<Long, String> s : stores.get().entrySet()) {
            ChaosCluster.Node node = cluster.storeById(s.getKey());
            if (node != null && node.broken != null) {
                continue; // it cannot run: the PD re-creates its replicas elsewhere once it is DOWN
            }
            boolean offline = s.getKey() == churn.offlineStore();
            if (offline ? !s.getValue().equals("TOMBSTONE") : !s.getValue().equals("UP")) {
                return "store " + s.getKey() + " is " + s.getValue();
            }
        }
        for (PdAdmin.Region r : regions.get()) {
            boolean onUpStores = r.storeIds().stream().allMatch(id -> "UP".equals(stores.get().get(id)));
            if (!r.hasLeader() || r.voters() != maxReplicas || r.peers().size() != maxReplicas || !onUpStores) {
                return r.describe();
            }
        }
        if (!operators.get().isEmpty()) {
            return operators.get().size() + " operators running, e.g. " + operators.get().get(0);
        }
        return null;
    }

    private Report check(Path dir, long t0, JsonNode stopped, JsonNode read, ConsistencyCheck.Result consistency,
                         Nemesis nemesis, Observer observer, Churn churn, List<String> problems,
                         List<String> livenessFindings) throws Exception {
        List<String> liveness = new ArrayList<>(livenessFindings);
        liveness.addAll(nemesis.findings());
        Path client = dir.resolve("client");
        List<String> violations = new ArrayList<>();
        List<Op> ops = Checks.readHistory(client.resolve("history.jsonl"));
        List<Op> withFinal = new ArrayList<>(ops);
        withFinal.addAll(Checks.readHistory(client.resolve("final-reads.jsonl")));
        long checkStart = System.currentTimeMillis();
        List<CheckResult> lin = Checks.linearizability(withFinal);
        long linMs = System.currentTimeMillis() - checkStart;
        long gaveUp = lin.stream().filter(r -> r.verdict() == CheckResult.Verdict.GAVE_UP).count();
        lin.stream().filter(r -> r.verdict() == CheckResult.Verdict.NOT_LINEARIZABLE)
                .forEach(r -> violations.add("NOT LINEARIZABLE " + r));
        Checks.ElementResult el = Files.exists(client.resolve("final-scan.tsv"))
                ? Checks.elements(client.resolve("elements.tsv"), client.resolve("final-scan.tsv"))
                : new Checks.ElementResult(0, 0, 0, 0, 0, 0, List.of());
        violations.addAll(el.violations());
        consistency.inconsistent().forEach((id, hashes) -> violations.add("INCONSISTENT replicas of region " + id
                + ": " + hashes));

        Map<FaultKind, Long> faults = new EnumMap<>(FaultKind.class);
        nemesis.events().forEach(e -> faults.merge(e.kind(), 1L, Long::sum));
        Map<Observer.ChangeKind, Long> changes = new EnumMap<>(Observer.ChangeKind.class);
        Map<Observer.ChangeKind, Long> during = new EnumMap<>(Observer.ChangeKind.class);
        for (Observer.ChangeKind k : Observer.ChangeKind.values()) {
            changes.put(k, observer.count(k));
            during.put(k, observer.countDuringFaults(k));
        }
        long duringTotal = during.values().stream().mapToLong(Long::longValue).sum();
        if (duringTotal == 0) {
            problems.add("no range change completed while a fault was active: the run does not count");
        }
        List<FaultKind> missingKinds = nemesis.supported().stream().filter(k -> !faults.containsKey(k)).toList();
        if (!missingKinds.isEmpty()) {
            problems.add("fault kinds never injected: " + missingKinds);
        }
        if (consistency.status() == ConsistencyCheck.Status.INCOMPLETE) {
            // A region out of service cannot answer a check: part of the liveness finding that it did not settle.
            // On a settled cluster a check that never comes back is the check failing: that proves nothing.
            if (livenessFindings.stream().anyMatch(f -> f.startsWith("the cluster did not settle"))) {
                liveness.add("replica consistency check incomplete on an unsettled cluster: " + consistency);
            } else {
                problems.add("replica consistency check incomplete on a settled cluster: " + consistency);
            }
        }
        long puts = ops.stream().filter(o -> o.kind() == Op.Kind.PUT).count();
        long gets = ops.stream().filter(o -> o.kind() == Op.Kind.GET).count();
        long cas = ops.stream().filter(o -> o.kind() == Op.Kind.CAS).count();
        long unknown = ops.stream().filter(Op::isUnknown).count();
        if (ops.size() < 500) {
            problems.add("too few register operations to mean anything: " + ops.size());
        }
        Map<String, Long> admin = new TreeMap<>();
        churn.requests().forEach(r -> admin.merge(r.action() + " " + (r.status() == 200 ? "done" : r.status() == 202
                ? "under way" : "failed(" + r.status() + ")"), 1L, Long::sum));
        long adminDuringFaults = churn.requests().stream().filter(r -> r.duringFault() != null).count();

        StringBuilder t = new StringBuilder();
        t.append("chaos run ").append(dir.getFileName()).append(", seed ").append(settings.seed()).append('\n');
        t.append("  shape: ").append(settings.pdMembers()).append(" PD member(s), ").append(settings.stores())
                .append(" stores (+").append(churn.replacementStore() == 0 ? "0" : "1 replacement").append("), ")
                .append(settings.engine()).append(", fault phase ").append(settings.faultPhase().toSeconds())
                .append(" s, total ").append((System.currentTimeMillis() - t0) / 1000).append(" s\n");
        t.append("  operations: register ").append(ops.size()).append(" (put ").append(puts).append(", get ")
                .append(gets).append(", cas ").append(cas).append("; ").append(unknown).append(" unknown outcomes; "
                        + "client counted ").append(stopped.path("register_ops").asLong()).append(" attempts incl. "
                        + "failed reads); set: appends acked ").append(el.appendsAcked()).append(" / unknown ")
                .append(el.appendsUnknown()).append(" / refused ").append(el.appendsAbsent()).append(", inserts acked ")
                .append(el.insertsAcked()).append(" / unknown ").append(el.insertsUnknown()).append("; final scan ")
                .append(read.path("pairs").asLong()).append(" keys, ").append(el.elementsFound())
                .append(" elements\n");
        t.append("  faults: ").append(faults).append(" (").append(nemesis.events().size()).append(" in all)\n");
        t.append("  range changes seen: ").append(changes).append("; while a fault was active: ").append(during)
                .append("; leader changes ").append(observer.leaderChanges()).append("; observer ")
                .append(observer.pollStats()).append('\n');
        t.append("  admin requests: ").append(admin).append("; sent while a fault was active: ")
                .append(adminDuringFaults).append('\n');
        t.append("  linearizability: ").append(lin.size()).append(" keys checked in ").append(linMs).append(" ms, ")
                .append(lin.stream().filter(CheckResult::isLinearizable).count()).append(" linearizable, ")
                .append(gaveUp).append(" gave up (search bound), ")
                .append(lin.stream().filter(r -> r.verdict() == CheckResult.Verdict.NOT_LINEARIZABLE).count())
                .append(" NOT linearizable\n");
        t.append("  replica consistency: ").append(consistency).append('\n');
        nemesis.notes().forEach(n -> t.append("  note: ").append(n).append('\n'));
        liveness.forEach(f -> t.append("  LIVENESS FINDING").append(settings.livenessFails() ? "" : " (reported; "
                + "fails the run only with chaos.strict)").append(": ").append(f).append('\n'));
        t.append("  violations: ").append(violations.size()).append('\n');
        violations.stream().limit(50).forEach(v -> t.append("    ").append(v).append('\n'));
        problems.forEach(p -> t.append("  PROBLEM: ").append(p).append('\n'));
        boolean passed = violations.isEmpty() && problems.isEmpty()
                && (liveness.isEmpty() || !settings.livenessFails());
        boolean keep = !passed || !liveness.isEmpty();
        t.append("  verdict: ").append(passed ? "PASSED" : "FAILED").append('\n');
        writeSchedules(dir, t0, nemesis, observer, churn);
        Files.writeString(dir.resolve("report.txt"), t.toString());
        System.out.print(t);
        return new Report(settings.seed(), dir, passed, keep, violations, problems, liveness, t.toString(),
                ops.size() + stopped.path("element_ops").asLong(), faults, changes, during, consistency.toString());
    }

    private static void writeSchedules(Path dir, long t0, Nemesis nemesis, Observer observer, Churn churn)
            throws IOException {
        List<String> faults = new ArrayList<>(List.of("seq\tkind\ttarget\tdetail\tstart_s\tend_s\tnote"));
        nemesis.events().forEach(e -> faults.add(e.line(t0)));
        Files.write(dir.resolve("faults.tsv"), faults);
        if (observer != null) {
            List<String> changes = new ArrayList<>(List.of("at_s\tkind\tregion\tduring_fault\tdetail"));
            observer.changes().forEach(c -> changes.add(c.line(t0)));
            Files.write(dir.resolve("range-changes.tsv"), changes);
        }
        if (churn != null) {
            List<String> admin = new ArrayList<>(List.of("start_s\tend_s\taction\twhat\tstatus\tduring_fault\tanswer"));
            churn.requests().forEach(r -> admin.add(r.line(t0)));
            Files.write(dir.resolve("admin-requests.tsv"), admin);
        }
    }

    /** A passed run keeps its report and schedules only: data directories and logs are large. */
    private static void prune(Path dir) throws IOException {
        List<String> keep = List.of("report.txt", "faults.tsv", "range-changes.tsv", "admin-requests.tsv", "run.log");
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (p.equals(dir) || (p.getParent().equals(dir) && keep.contains(p.getFileName().toString()))) {
                    continue;
                }
                Files.deleteIfExists(p);
            }
        }
    }

    private void awaitCondition(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        ChaosCluster.await(what, timeout, condition);
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
