package io.rangekv.bench.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The target kinds the bench knows, by command-line name, in the order given. */
public final class Targets {
    private final Map<String, TargetLauncher> byName = new LinkedHashMap<>();

    public Targets(List<TargetLauncher> launchers) {
        launchers.forEach(l -> byName.put(l.name(), l));
    }

    public Optional<TargetLauncher> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
