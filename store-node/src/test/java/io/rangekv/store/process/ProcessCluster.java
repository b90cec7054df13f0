package io.rangekv.store.process;

import io.rangekv.store.cluster.Await;
import io.rangekv.store.cluster.FreePorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A playground-like cluster of separate JVMs on loopback: PD members, stores and optionally a router, each with a
 * config file and a log under the test's directory, ports chosen at run time. Processes can be killed with
 * {@code kill -9} and started again with the same config and data. {@link #close()} stops every process it started.
 */
public final class ProcessCluster implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(60);

    private final Path dir;
    private final Map<Long, JvmProcess> pds = new TreeMap<>();
    private final Map<Long, JvmProcess> stores = new TreeMap<>();
    private final Map<Long, Integer> storeKvPorts = new TreeMap<>();
    private final Map<Long, int[]> pdPorts = new TreeMap<>();
    private JvmProcess router;
    private int routerPort;

    public ProcessCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts {@code members} PD processes forming one group; extra settings go into every member's config. */
    public ProcessCluster startPd(int members, Map<String, String> settings) {
        for (long id = 1; id <= members; id++) {
            pdPorts.put(id, new int[] {FreePorts.pick(), FreePorts.pick(), FreePorts.pick()});
        }
        String list = pdPorts.entrySet().stream().map(e -> e.getKey() + "@127.0.0.1:" + e.getValue()[0] + "/"
                + e.getValue()[1] + "/" + e.getValue()[2]).collect(Collectors.joining(","));
        for (long id = 1; id <= members; id++) {
            Map<String, String> conf = new TreeMap<>(settings);
            conf.put("pd.id", String.valueOf(id));
            conf.put("pd.data-dir", dir.resolve("pd-" + id).toString());
            conf.put("pd.members", list);
            conf.put("pd.election-timeout", "1000ms");
            JvmProcess p = new JvmProcess("pd " + id, "io.rangekv.pd.PdMain", write("pd-" + id + ".conf", conf),
                    dir.resolve("pd-" + id + ".log"));
            pds.put(id, p);
            p.start();
        }
        pds.forEach((id, p) -> awaitLine(p, "pd " + id + " ready"));
        return this;
    }

    /** Starts stores 1..count, reporting to the PD; extra settings go into every store's config. */
    public ProcessCluster startStores(int count, String engine, Map<String, String> settings) {
        for (long id = 1; id <= count; id++) {
            launchStore(id, engine, settings);
        }
        stores.forEach((id, p) -> awaitLine(p, "store " + id + " ready"));
        return this;
    }

    /** Starts one more store (a new id joining a running cluster) and waits until it is ready. */
    public ProcessCluster startStore(long storeId, String engine, Map<String, String> settings) {
        awaitLine(launchStore(storeId, engine, settings), "store " + storeId + " ready");
        return this;
    }

    private JvmProcess launchStore(long id, String engine, Map<String, String> settings) {
        int kv = FreePorts.pick();
        storeKvPorts.put(id, kv);
        Map<String, String> conf = new TreeMap<>(settings);
        conf.put("store.id", String.valueOf(id));
        conf.put("store.data-dir", dir.resolve("store-" + id).toString());
        conf.put("store.kv-port", String.valueOf(kv));
        conf.put("store.raft-port", String.valueOf(FreePorts.pick()));
        conf.put("engine.kind", engine);
        conf.put("pd.endpoints", String.join(",", pdRpcEndpoints()));
        conf.putIfAbsent("pd.heartbeat-interval", "300ms");
        conf.putIfAbsent("pd.region-size-check-interval", "1s");
        conf.putIfAbsent("raft.election-timeout", "1000ms");
        JvmProcess p = new JvmProcess("store " + id, "io.rangekv.store.StoreMain",
                write("store-" + id + ".conf", conf), dir.resolve("store-" + id + ".log"));
        stores.put(id, p);
        p.start();
        return p;
    }

    /** Starts one router on a free port in front of the cluster. */
    public ProcessCluster startRouter() {
        routerPort = FreePorts.pick();
        Map<String, String> conf = new TreeMap<>();
        conf.put("router.port", String.valueOf(routerPort));
        conf.put("pd.endpoints", String.join(",", pdRpcEndpoints()));
        conf.put("pd.http-endpoints", String.join(",", pdHttpEndpoints()));
        router = new JvmProcess("router", "io.rangekv.router.RouterMain", write("router.conf", conf),
                dir.resolve("router.log"));
        router.start();
        awaitLine(router, "router ready");
        return this;
    }

    public List<String> pdRpcEndpoints() {
        return pdPorts.values().stream().map(p -> "127.0.0.1:" + p[0]).toList();
    }

    public List<String> pdHttpEndpoints() {
        return pdPorts.values().stream().map(p -> "127.0.0.1:" + p[2]).toList();
    }

    public String pdHttp(long memberId) {
        return "127.0.0.1:" + pdPorts.get(memberId)[2];
    }

    public String routerAddress() {
        return "127.0.0.1:" + routerPort;
    }

    public String storeKvAddress(long storeId) {
        return "127.0.0.1:" + storeKvPorts.get(storeId);
    }

    public JvmProcess store(long storeId) {
        return stores.get(storeId);
    }

    public JvmProcess pd(long memberId) {
        return pds.get(memberId);
    }

    /** Restarts a store (after a kill) with its config and data, and waits until it is ready. */
    public void restartStore(long storeId) {
        JvmProcess p = stores.get(storeId);
        long before = readyLines(p, "store " + storeId + " ready");
        p.start();
        Await.until(p.name() + " ready again", READY, () -> readyLines(p, "store " + storeId + " ready") > before,
                p::logTail);
    }

    private void awaitLine(JvmProcess p, String line) {
        Await.until(p.name() + " ready", READY, () -> {
            if (!p.isAlive()) {
                throw new AssertionError(p.name() + " exited during start-up:\n" + p.logTail());
            }
            return readyLines(p, line) > 0;
        }, p::logTail);
    }

    private static long readyLines(JvmProcess p, String line) {
        try {
            return Files.exists(p.logFile()) ? Files.readAllLines(p.logFile()).stream()
                    .filter(l -> l.startsWith(line)).count() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private Path write(String name, Map<String, String> settings) {
        Path file = dir.resolve(name);
        List<String> lines = new ArrayList<>();
        settings.forEach((k, v) -> lines.add(k + " = " + v));
        try {
            Files.createDirectories(dir);
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The OS process ids of every PD member, store and router still running (for CPU accounting). */
    public List<Long> pids() {
        List<JvmProcess> all = new ArrayList<>(pds.values());
        all.addAll(stores.values());
        if (router != null) {
            all.add(router);
        }
        return all.stream().filter(JvmProcess::isAlive).map(JvmProcess::pid).toList();
    }

    /** Log tails of every process, for failure messages. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        List<JvmProcess> all = new ArrayList<>(pds.values());
        all.addAll(stores.values());
        if (router != null) {
            all.add(router);
        }
        all.forEach(p -> sb.append("--- ").append(p.name()).append(" ---\n").append(p.logTail()).append('\n'));
        return sb.toString();
    }

    @Override
    public void close() {
        if (router != null) {
            router.close();
        }
        stores.values().forEach(JvmProcess::close);
        pds.values().forEach(JvmProcess::close);
    }
}
