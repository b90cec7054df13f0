package io.rangekv.systest.cluster;

import io.rangekv.config.DataSize;
import io.rangekv.pd.PdConfig;
import io.rangekv.pd.PdMember;
import io.rangekv.pd.PdNode;
import io.rangekv.store.cluster.Await;
import io.rangekv.store.cluster.FreePorts;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** One or three PD members in this JVM, on ports chosen at run time, for in-process system tests. */
public final class PdCluster implements AutoCloseable {
    private final Map<Long, PdConfig> configs = new TreeMap<>();
    private final Map<Long, PdNode> live = new TreeMap<>();

    public PdCluster(Path dir, int members, PdConfig.ScheduleConfig schedule) {
        this(dir, members, 3, schedule);
    }

    /** {@code maxReplicas}: pd.max-replicas, which is also how many stores bootstrap the cluster. */
    public PdCluster(Path dir, int members, int maxReplicas, PdConfig.ScheduleConfig schedule) {
        List<PdMember> all = new ArrayList<>();
        for (long id = 1; id <= members; id++) {
            all.add(new PdMember(id, "127.0.0.1", FreePorts.pick(), FreePorts.pick(), FreePorts.pick()));
        }
        for (PdMember m : all) {
            configs.put(m.memberId(), new PdConfig(m.memberId(), dir.resolve("pd-" + m.memberId()), all,
                    Duration.ofMillis(1000), maxReplicas, schedule));
        }
        configs.keySet().forEach(this::start);
    }

    /** Split thresholds for tests: by keys only, with a short cool-down. */
    public static PdConfig.ScheduleConfig splitAtKeys(long keys) {
        return PdConfig.ScheduleConfig.DEFAULTS.withSplit(DataSize.ofBytes(0), keys, Duration.ofSeconds(2))
                .withBalance(false, false);
    }

    public static PdConfig.ScheduleConfig noAutoSplit() {
        return splitAtKeys(0);
    }

    public void start(long memberId) {
        live.put(memberId, PdNode.start(configs.get(memberId)));
    }

    public void stop(long memberId) {
        PdNode node = live.remove(memberId);
        if (node != null) {
            node.close();
        }
    }

    public List<String> rpcEndpoints() {
        return configs.values().stream().map(c -> c.self().rpcAddress()).toList();
    }

    public List<String> httpEndpoints() {
        return configs.values().stream().map(c -> c.self().httpAddress()).toList();
    }

    public Optional<PdNode> leader() {
        return live.values().stream().filter(PdNode::isLeader).findFirst();
    }

    public PdNode awaitLeader() {
        Await.until("a PD leader", Duration.ofSeconds(30), () -> leader().isPresent());
        return leader().orElseThrow();
    }

    @Override
    public void close() {
        new ArrayList<>(live.keySet()).forEach(this::stop);
    }
}
