package io.rangekv.bench.target.rangekv;

import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.TargetLauncher;
import io.rangekv.store.process.ProcessCluster;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** {@code --targets rangekv-http}: a fresh cluster of processes with one HTTP gateway, driven over HTTP/1.1. */
public final class RangeKvHttpLauncher implements TargetLauncher {
    @Override
    public String name() {
        return "rangekv-http";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Target start(TargetContext context) throws Exception {
        ProcessCluster cluster = RangeKvClusters.start(context, true);
        RangeKvHttpTarget target = new RangeKvHttpTarget(cluster, context.engine());
        try {
            byte[] key = "bench/ready".getBytes(StandardCharsets.UTF_8);
            target.put(key, new byte[] {1}).get(60, TimeUnit.SECONDS);
            target.read(key).get(30, TimeUnit.SECONDS).orElseThrow();
            return target;
        } catch (Exception | Error e) {
            target.close();
            throw e;
        }
    }
}
