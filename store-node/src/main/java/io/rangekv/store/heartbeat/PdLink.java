package io.rangekv.store.heartbeat;

import io.rangekv.config.Settings;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How a store reaches the placement driver.
 *
 * @param endpoints         {@code host:port} of the PD members' RPC service; empty: no PD (stores listed in
 *                          {@code cluster.stores}, first region from {@code cluster.bootstrap-voters}, as in tests)
 * @param heartbeatInterval how often the store and its region leaders report to the PD
 * @param sizeCheckInterval how often a leader re-measures its region's size and key count for the report (walking
 *                          the range costs time on engines without statistics)
 */
public record PdLink(List<String> endpoints, Duration heartbeatInterval, Duration sizeCheckInterval) {
    public static final PdLink NONE = new PdLink(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(10));

    public PdLink {
        endpoints = List.copyOf(endpoints);
        if (heartbeatInterval.toMillis() < 10) {
            throw new IllegalArgumentException("pd.heartbeat-interval must be at least 10ms: " + heartbeatInterval);
        }
    }

    public boolean enabled() {
        return !endpoints.isEmpty();
    }

    public static PdLink from(Settings s) {
        List<String> endpoints = Arrays.stream(s.getString("pd.endpoints", "").split(","))
                .map(String::trim).filter(e -> !e.isEmpty()).toList();
        return new PdLink(endpoints, s.getDuration("pd.heartbeat-interval", NONE.heartbeatInterval),
                s.getDuration("pd.region-size-check-interval", NONE.sizeCheckInterval));
    }

    public PdLink withEndpoints(List<String> newEndpoints) {
        return new PdLink(newEndpoints, heartbeatInterval, sizeCheckInterval);
    }
}
