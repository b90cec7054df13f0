package io.rangekv.bench.target.rheakv;

import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.TargetLauncher;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code --targets rheakv}: a fresh 3-store RheaKV cluster embedded in the bench JVM (RheaKV is a library: nothing to
 * install), driven through RheaKV's client.
 */
public final class RheaKvLauncher implements TargetLauncher {
    @Override
    public String name() {
        return "rheakv";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Target start(TargetContext context) throws Exception {
        RheaKvTarget target = new RheaKvTarget(RheaKvCluster.start(context));
        try {
            byte[] key = "bench/ready".getBytes(StandardCharsets.UTF_8);
            target.put(key, new byte[] {1}).get(30, TimeUnit.SECONDS);
            target.read(key).get(30, TimeUnit.SECONDS).orElseThrow();
            return target;
        } catch (Exception | Error e) {
            target.close();
            throw e;
        }
    }
}
