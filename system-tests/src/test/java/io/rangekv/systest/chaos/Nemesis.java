package io.rangekv.systest.chaos;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Injects one fault at a time, chosen from the seed, holds it, heals it. Every kind supported here is done once
 * (in a seeded random order) before kinds repeat, so even a short run covers them all. Only the choices come from
 * the seed; the cluster's timing does not, so a seed replays the same sequence of kinds and holds, and the same
 * targets as far as the cluster's state (which store leads, which member is the PD leader) is the same.
 */
final class Nemesis {
    private final ChaosCluster cluster;
    private final ChaosNetwork net;
    private final PdAdmin admin;
    private final Random random;
    private final Set<FaultKind> supported;
    private final List<FaultEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final List<FaultKind> queue = new ArrayList<>();
    private volatile FaultEvent active;
    private int seq;

    Nemesis(ChaosCluster cluster, ChaosNetwork net, PdAdmin admin, long seed) {
        this.cluster = cluster;
        this.net = net;
        this.admin = admin;
        this.random = new Random(seed ^ 0x5EEDFA17L);
        this.supported = EnumSet.allOf(FaultKind.class);
        if (!cluster.hasFaketime()) {
            supported.remove(FaultKind.CLOCK_SKEW);
            String n = "CLOCK_SKEW skipped: " + ChaosCluster.LIBFAKETIME + " is absent (apt-get install faketime)";
            System.out.println("chaos: " + n);
            notes.add(n);
        }
    }

    Set<FaultKind> supported() {
        return Collections.unmodifiableSet(supported);
    }

    List<FaultEvent> events() {
        return List.copyOf(events);
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    FaultEvent active() {
        return active;
    }

    boolean coveredAll() {
        return events.stream().map(FaultEvent::kind).distinct().count() >= supported.size();
    }

    /** The next kind: a fresh seeded shuffle of every supported kind whenever the last one is used up. */
    private FaultKind nextKind() {
        if (queue.isEmpty()) {
            queue.addAll(supported);
            Collections.shuffle(queue, random);
        }
        return queue.remove(0);
    }

    private long between(long minMs, long maxMs) {
        return minMs + (long) (random.nextDouble() * (maxMs - minMs));
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    /** Stores and PD members: the hosts of the cluster proper (the client is never a fault's target). */
    private List<ChaosCluster.Node> servers() {
        List<ChaosCluster.Node> out = new ArrayList<>(cluster.workingPds());
        out.addAll(cluster.stores());
        return out;
    }

    /** Injects the next fault, holds it, heals it; returns the finished event. */
    FaultEvent runOne() throws Exception {
        FaultKind kind = nextKind();
        int n = ++seq;
        long hold = between(4_000, 9_000);
        FaultEvent e;
        switch (kind) {
            case ISOLATE_STORE -> {
                ChaosCluster.Node s = pick(cluster.stores());
                e = begin(n, kind, s.name, "both ways, every peer");
                net.isolate(s.host);
                Thread.sleep(hold);
                e = end(e, healNetwork());
            }
            case PARTITION -> {
                List<ChaosCluster.Node> all = servers();
                Collections.shuffle(all, random);
                int minority = Math.max(1, (all.size() - 1) / 2);
                List<ChaosCluster.Node> small = all.subList(0, minority);
                List<ChaosCluster.Node> large = all.subList(minority, all.size());
                e = begin(n, kind, small.toString(), "minority " + small + " | majority " + large);
                net.cut(small.stream().map(x -> x.host).toList(), large.stream().map(x -> x.host).toList());
                Thread.sleep(hold);
                e = end(e, healNetwork());
            }
            case ISOLATE_PD_LEADER -> {
                long leader = admin.pdLeader().orElse(cluster.workingPds().get(0).id);
                ChaosCluster.Node pd = cluster.node("pd-" + leader);
                e = begin(n, kind, pd.name, "PD leader " + leader + " of " + cluster.pds().size());
                net.isolate(pd.host);
                Thread.sleep(hold);
                e = end(e, healNetwork());
            }
            case ONE_WAY_LOSS -> {
                ChaosCluster.Node x = pick(servers());
                double p = 0.5 + random.nextDouble() / 2;
                e = begin(n, kind, x.name, String.format("%.0f %% of outbound packets dropped", p * 100));
                net.lossOutbound(x.host, p);
                Thread.sleep(hold);
                e = end(e, healNetwork());
            }
            case PAUSE -> {
                ChaosCluster.Node x = pick(servers());
                e = begin(n, kind, x.name, "SIGSTOP for " + hold + " ms");
                cluster.pause(x);
                Thread.sleep(hold);
                cluster.resume(x);
                e = end(e, "SIGCONT");
            }
            case KILL_RESTART -> {
                List<ChaosCluster.Node> candidates = new ArrayList<>(cluster.stores());
                if (random.nextInt(4) == 0) {
                    candidates = new ArrayList<>(cluster.workingPds());
                }
                ChaosCluster.Node x = pick(candidates);
                long down = between(1_000, 5_000);
                e = begin(n, kind, x.name, "kill -9, restart after " + down + " ms");
                cluster.kill(x);
                Thread.sleep(down);
                String broken = cluster.restartOrMarkBroken(x);
                if (broken != null) {
                    finding(broken);
                }
                e = end(e, broken == null ? "restarted and ready" : "RESTART FAILED");
            }
            case DISK_FULL -> {
                ChaosCluster.Node s = pick(cluster.stores());
                e = begin(n, kind, s.name, "tmpfs filled");
                long bytes = cluster.fillDisk(s);
                Thread.sleep(hold);
                cluster.freeDisk(s);
                String note = "freed " + (bytes >> 20) + " MiB of filler";
                if (!s.process.isAlive()) {
                    note += "; the store had EXITED while its disk was full (log: " + s.process.logFile().getFileName()
                            + "), restarted";
                    notes.add("fault " + n + ": " + s.name + " exited on a full disk");
                    String broken = cluster.restartOrMarkBroken(s);
                    if (broken != null) {
                        finding(broken);
                    }
                }
                e = end(e, note);
            }
            case CLOCK_SKEW -> {
                ChaosCluster.Node x = pick(servers());
                long offset = (10 + random.nextInt(291)) * (random.nextBoolean() ? 1 : -1);
                e = begin(n, kind, x.name, "wall clock " + (offset > 0 ? "+" : "") + offset + " s");
                cluster.skew(x, offset);
                Thread.sleep(hold + 2_000); // libfaketime re-reads the offset within a second
                cluster.skew(x, 0);
                e = end(e, "clock put right");
            }
            default -> throw new IllegalStateException(kind.name());
        }
        restartUnexpectedlyDead(n);
        return e;
    }

    private FaultEvent begin(int n, FaultKind kind, String target, String detail) {
        FaultEvent e = new FaultEvent(n, kind, target, detail, System.currentTimeMillis(), 0, null);
        active = e;
        events.add(e);
        System.out.printf("chaos: fault %d %s on %s (%s)%n", n, kind, target, detail);
        return e;
    }

    private FaultEvent end(FaultEvent e, String note) {
        FaultEvent done = e.ended(System.currentTimeMillis(), note);
        events.set(events.indexOf(e), done);
        active = null;
        return done;
    }

    private String healNetwork() {
        List<String> failed = net.heal();
        return failed.isEmpty() ? "rules flushed" : "HEAL FAILED: " + failed;
    }

    /** A process that died without being killed (a crash under a fault) is noted and started again. */
    private void restartUnexpectedlyDead(int faultSeq) {
        for (ChaosCluster.Node x : servers()) {
            if (!x.process.isAlive()) {
                String note = "after fault " + faultSeq + ": " + x.name + " had EXITED on its own; restarted";
                System.out.println("chaos: " + note);
                notes.add(note);
                String broken = cluster.restartOrMarkBroken(x);
                if (broken != null) {
                    finding(broken);
                }
            }
        }
    }

    private final List<String> findings = new CopyOnWriteArrayList<>();

    /** A liveness finding (a process that cannot be started again): reported, the run goes on without it. */
    private void finding(String what) {
        System.out.println("chaos: FINDING: " + what);
        findings.add(what);
    }

    List<String> findings() {
        return List.copyOf(findings);
    }

    /** Heals everything, whatever is in force: rules flushed, processes continued, clocks right, disks freed. */
    void healAll() {
        net.heal();
        for (ChaosCluster.Node x : cluster.all()) {
            cluster.resume(x);
            try {
                if (x.clockFile != null) {
                    cluster.skew(x, 0);
                }
                if (x.role == ChaosCluster.Role.STORE) {
                    cluster.freeDisk(x);
                }
            } catch (IOException ex) {
                notes.add("heal " + x.name + ": " + ex);
            }
        }
        restartUnexpectedlyDead(seq);
    }
}
