package io.rangekv.bench.target.rangekv;

import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.TargetLauncher;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.meta.Key;
import io.rangekv.store.process.ProcessCluster;

import java.util.Optional;

/** {@code --targets rangekv}: a fresh cluster of processes, driven through the Java SDK. */
public final class RangeKvLauncher implements TargetLauncher {
    @Override
    public String name() {
        return "rangekv";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Target start(TargetContext context) {
        ProcessCluster cluster = RangeKvClusters.start(context, false);
        KvClient client = null;
        try {
            client = KvClient.connect(KvClientConfig.DEFAULTS, cluster.pdRpcEndpoints());
            // The first write waits for the first region and its leader (the PD bootstraps it once stores register).
            client.put(Key.of("bench/ready"), new byte[] {1});
            client.get(Key.of("bench/ready")).orElseThrow();
            return new RangeKvTarget(cluster, client, context.engine());
        } catch (RuntimeException e) {
            if (client != null) {
                client.close();
            }
            cluster.close();
            throw e;
        }
    }
}
