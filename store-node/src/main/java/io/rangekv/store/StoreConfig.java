package io.rangekv.store;

import io.rangekv.config.Settings;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.heartbeat.PdLink;
import io.rangekv.store.raft.RaftConfig;
import io.rangekv.store.rpc.RpcLimits;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything a store node is configured with, validated once when built. Each component receives only its own
 * sub-record.
 *
 * @param storeId        this store's id, unique in the cluster and never reused
 * @param dataDir        engine files, Raft logs and RaftSnapshots live below it
 * @param host           the address other processes reach this store at
 * @param kvPort         the KV service port (0 = pick a free one)
 * @param raftPort       the Raft RPC port, shared by every region on the store
 * @param clusterStores  the stores known at start (id, KV and Raft addresses); replaced by the placement driver
 * @param bootstrapVoters the stores that hold the first region (the whole key space) of a new cluster, one voter
 *                       each. A store in this list that holds no region yet creates it at start; every listed store
 *                       must be given the same list. Empty: never bootstrap (the store joins an existing cluster).
 * @param labels         what the store tells the PD about itself (for example {@code zone=a}); {@code engine} is
 *                       added from the engine kind
 * @param pd             the placement driver; when set, the PD bootstraps the cluster, tells the store where the
 *                       other stores are and sends it instructions
 */
public record StoreConfig(long storeId, Path dataDir, String host, int kvPort, int raftPort, EngineConfig engine,
                          RaftConfig raft, StoreThreads.ThreadConfig threads, RpcLimits rpc,
                          List<Store> clusterStores, List<Long> bootstrapVoters, PdLink pd,
                          Map<String, String> labels) {
    public StoreConfig {
        labels = Map.copyOf(labels);
        if (labels.containsKey("engine")) {
            throw new IllegalArgumentException("store.labels must not set 'engine': the store adds it from "
                    + "engine.kind");
        }
        if (storeId <= 0) {
            throw new IllegalArgumentException("store.id must be positive: " + storeId);
        }
        if (raftPort <= 0 || raftPort > 65535) {
            throw new IllegalArgumentException("store.raft-port must be a port number: " + raftPort);
        }
        if (kvPort < 0 || kvPort > 65535) {
            throw new IllegalArgumentException("store.kv-port must be a port number: " + kvPort);
        }
        clusterStores = List.copyOf(clusterStores);
        bootstrapVoters = List.copyOf(bootstrapVoters);
        if (pd.enabled() && !bootstrapVoters.isEmpty()) {
            throw new IllegalArgumentException("cluster.bootstrap-voters and pd.endpoints exclude each other: "
                    + "with a placement driver, the PD bootstraps the cluster");
        }
        for (long voter : bootstrapVoters) {
            if (clusterStores.stream().noneMatch(st -> st.storeId() == voter)) {
                throw new IllegalArgumentException("cluster.bootstrap-voters names store " + voter
                        + ", which cluster.stores does not list");
            }
        }
    }

    /** True when this store must create the first region if it holds none. */
    public boolean bootstraps() {
        return bootstrapVoters.contains(storeId);
    }

    /** This store as the rest of the cluster sees it. */
    public Store self(int boundKvPort) {
        Map<String, String> all = new java.util.TreeMap<>(labels);
        all.put("engine", engine.kind().label());
        return new Store(storeId, host + ":" + boundKvPort, host + ":" + raftPort, all, StoreState.UP);
    }

    /**
     * Reads a store config. Keys: {@code store.id}, {@code store.data-dir}, {@code store.host},
     * {@code store.kv-port}, {@code store.raft-port}, {@code cluster.stores} (comma-separated
     * {@code id@host:kvPort/raftPort}), {@code cluster.bootstrap-voters} (comma-separated store ids), plus the
     * {@code engine.*}, {@code raft.*}, {@code threads.*}, {@code rpc.*} and {@code pd.*} groups. Unknown keys are an error, so a typo never passes silently.
     */
    public static StoreConfig from(Settings s) {
        Path dataDir = Path.of(s.getString("store.data-dir", "data/store"));
        StoreConfig config = new StoreConfig(
                s.getLong("store.id", 0),
                dataDir,
                s.getString("store.host", "127.0.0.1"),
                s.getInt("store.kv-port", 20160),
                s.getInt("store.raft-port", 20170),
                EngineConfig.from(s, dataDir.resolve("engine")),
                RaftConfig.from(s),
                StoreThreads.ThreadConfig.from(s),
                RpcLimits.from(s),
                parseStores(s.getString("cluster.stores", "")),
                parseIds(s.getString("cluster.bootstrap-voters", "")),
                PdLink.from(s),
                parseLabels(s.getString("store.labels", "")));
        if (!s.unusedKeys().isEmpty()) {
            throw new IllegalArgumentException("unknown store config keys: " + s.unusedKeys());
        }
        return config;
    }

    /** Parses {@code zone=a,rack=r1}. */
    private static Map<String, String> parseLabels(String text) {
        Map<String, String> labels = new java.util.TreeMap<>();
        for (String item : text.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                throw new IllegalArgumentException("bad value for 'store.labels': '" + item.trim()
                        + "' (expected name=value, comma-separated)");
            }
            labels.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
        }
        return labels;
    }

    private static List<Long> parseIds(String text) {
        List<Long> ids = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                ids.add(Long.parseLong(item.trim()));
            }
        }
        return ids;
    }

    /** Parses {@code 1@127.0.0.1:20160/20170,2@...}. */
    public static List<Store> parseStores(String text) {
        List<Store> stores = new ArrayList<>();
        for (String item : text.split(",")) {
            String entry = item.trim();
            if (entry.isEmpty()) {
                continue;
            }
            try {
                int at = entry.indexOf('@');
                int colon = entry.lastIndexOf(':');
                int slash = entry.indexOf('/', colon);
                long id = Long.parseLong(entry.substring(0, at));
                String host = entry.substring(at + 1, colon);
                String kvPort = entry.substring(colon + 1, slash);
                String raftPort = entry.substring(slash + 1);
                stores.add(new Store(id, host + ":" + Integer.parseInt(kvPort),
                        host + ":" + Integer.parseInt(raftPort), Map.of(), StoreState.UP));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad value for 'cluster.stores': '" + entry
                        + "' (expected id@host:kvPort/raftPort)", e);
            }
        }
        return stores;
    }

    public StoreConfig withRaft(RaftConfig newRaft) {
        return new StoreConfig(storeId, dataDir, host, kvPort, raftPort, engine, newRaft, threads, rpc, clusterStores,
                bootstrapVoters, pd, labels);
    }
}
