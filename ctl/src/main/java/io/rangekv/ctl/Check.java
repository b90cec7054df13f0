package io.rangekv.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code rangekv ctl check [REGION]}: the replica consistency check, asked now and waited for. Each region's
 * replicas hash their data at one log entry and the PD compares the hashes; a replica that differs from the majority
 * is quarantined and replaced by the PD. Exit code 1 when any checked region is inconsistent.
 */
@Command(name = "check", description = "Check that every replica of a region (or of every region) holds the same "
        + "data; the PD quarantines and replaces one that differs.")
final class Check extends CtlMain.Sub {
    private static final Duration POLL = Duration.ofMillis(500);

    @Parameters(index = "0", arity = "0..1", description = "region id (default: every region)")
    Long regionId;
    @Option(names = "--timeout", description = "how long to wait for the verdicts (default ${DEFAULT-VALUE})",
            defaultValue = "120s", converter = DurationConverter.class)
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        AdminApi admin = parent.admin();
        Map<Long, Long> before = new HashMap<>();
        admin.get("/consistency").path("regions").forEach(r -> before.put(r.path("region_id").asLong(),
                r.path("index").asLong()));
        Set<Long> asked = new TreeSet<>();
        if (regionId != null) {
            admin.post("/regions/" + regionId + "/check", body());
            asked.add(regionId);
        } else {
            admin.post("/consistency/check", body());
            admin.get("/regions").path("regions").forEach(r -> asked.add(r.path("id").asLong()));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode latest;
        Set<Long> waiting;
        int shown = -1;
        while (true) {
            latest = admin.get("/consistency");
            waiting = new TreeSet<>(asked);
            for (JsonNode r : latest.path("regions")) {
                if (r.path("index").asLong() > before.getOrDefault(r.path("region_id").asLong(), 0L)) {
                    waiting.remove(r.path("region_id").asLong());
                }
            }
            if (waiting.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            if (!parent.json && waiting.size() != shown) {
                spec.commandLine().getErr().printf("checking: %d of %d regions compared%n",
                        asked.size() - waiting.size(), asked.size());
                shown = waiting.size();
            }
            Thread.sleep(POLL.toMillis());
        }
        List<JsonNode> compared = new java.util.ArrayList<>();
        boolean allConsistent = true;
        for (JsonNode r : latest.path("regions")) {
            if (asked.contains(r.path("region_id").asLong()) && !waiting.contains(r.path("region_id").asLong())) {
                compared.add(r);
                allConsistent &= r.path("consistent").asBoolean();
            }
        }
        JsonNode rows = AdminApi.JSON.valueToTree(compared);
        Set<Long> notCompared = waiting;
        print(latest, j -> Tables.render(rows, List.of(
                new Tables.Column("REGION", r -> r.path("region_id").asText()),
                new Tables.Column("INDEX", r -> r.path("index").asText()),
                new Tables.Column("VERDICT", r -> r.path("consistent").asBoolean() ? "consistent"
                        : r.path("diverged_stores").isEmpty() ? "INCONSISTENT (no majority)"
                        : "INCONSISTENT: store " + r.path("diverged_stores").toString() + " quarantined, replacing"),
                new Tables.Column("HASHES (store=hash)", r -> {
                    StringBuilder sb = new StringBuilder();
                    r.path("hashes").fields().forEachRemaining(e -> sb.append(sb.length() == 0 ? "" : " ")
                            .append(e.getKey()).append('=').append(e.getValue().asText()));
                    return sb.toString();
                })))
                + (notCompared.isEmpty() ? "" : "not compared within " + timeout.toSeconds() + " s (no leader, "
                        + "busy, or a replica behind): regions " + notCompared + "\n"));
        return allConsistent && notCompared.isEmpty() ? 0 : 1;
    }

    /** Parses 30s, 2m, 500ms. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return io.rangekv.config.Settings.parseDuration(value);
        }
    }
}
