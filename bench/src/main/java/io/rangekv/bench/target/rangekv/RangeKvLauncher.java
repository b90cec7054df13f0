package io.rangekv.bench.target.rangekv;

import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.TargetLauncher;

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
        return RangeKvTarget.connect(RangeKvClusters.start(context, false), RangeKvClusters.layout(context));
    }
}
