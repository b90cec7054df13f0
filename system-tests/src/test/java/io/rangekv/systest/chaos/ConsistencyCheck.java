package io.rangekv.systest.chaos;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The PD's replica consistency check, behind this one class so that a change of its API is one edit here. The
 * contract coded against (the PD side is being built in main while this is written):
 * {@code POST /pd/api/v1/regions/{id}/check} (202: the region's leader proposes a hash entry; every replica hashes
 * its data at that log index) and {@code GET /pd/api/v1/consistency} →
 * {@code {"regions": [{"region_id", "index", "hashes": {"<storeId>": "<hex>"}, "consistent"}]}}, each region's
 * latest compared check. A PD without these routes (404) makes the result {@link Status#NOT_AVAILABLE}: reported as
 * such, never as a pass.
 */
final class ConsistencyCheck {
    enum Status { CHECKED, NOT_AVAILABLE, INCOMPLETE }

    /** {@code inconsistent}: region id → its hashes; {@code missing}: regions whose check never came back. */
    record Result(Status status, int regionsChecked, Map<Long, String> inconsistent, List<Long> missing,
                  String note) {
        @Override
        public String toString() {
            return switch (status) {
                case NOT_AVAILABLE -> "NOT AVAILABLE (" + note + ")";
                case INCOMPLETE -> "INCOMPLETE: " + regionsChecked + " regions compared, no result for " + missing
                        + (inconsistent.isEmpty() ? "" : "; INCONSISTENT " + inconsistent) + " (" + note + ")";
                case CHECKED -> regionsChecked + " regions compared, " + (inconsistent.isEmpty() ? "all consistent"
                        : inconsistent.size() + " INCONSISTENT: " + inconsistent) + (note.isEmpty() ? "" : "; " + note);
            };
        }
    }

    /** How often a region whose check has not come back is asked again. */
    private static final Duration ASK_AGAIN = Duration.ofSeconds(10);
    private final ClientLink link;

    ConsistencyCheck(ClientLink link) {
        this.link = link;
    }

    /**
     * Asks every region in {@code regions} (the PD's current region ids) for a check and waits for each answer.
     * The map may still change while it waits (an automatic split or merge after the cluster settled): a region
     * that leaves the map cannot answer and is not waited for, one that joins it is asked too, and a region still
     * unanswered is asked again every {@link #ASK_AGAIN}, so one lost request does not leave it out.
     */
    Result run(Supplier<Optional<List<Long>>> regions, Duration timeout) {
        Map<Long, Long> indexBefore = latestIndexes();
        if (indexBefore == null) {
            return new Result(Status.NOT_AVAILABLE, 0, Map.of(), List.of(),
                    "GET /pd/api/v1/consistency is not served by this PD");
        }
        Set<Long> asked = new TreeSet<>();
        Set<Long> missing = new TreeSet<>();
        Set<Long> gone = new TreeSet<>();
        Map<Long, String> inconsistent = new TreeMap<>();
        int compared = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        long askAt = 0;
        while (true) {
            if (System.nanoTime() - askAt >= 0) {
                Optional<List<Long>> current = regions.get();
                if (current.isPresent()) {
                    for (long id : List.copyOf(missing)) {
                        if (!current.get().contains(id)) {
                            missing.remove(id);
                            gone.add(id);
                        }
                    }
                    for (long id : current.get()) {
                        if (asked.add(id)) {
                            missing.add(id);
                        }
                    }
                }
                for (long id : missing) {
                    ClientLink.HttpAnswer a = link.post("/pd/api/v1/regions/" + id + "/check", "{}");
                    if (a.status() == 404 && a.body() != null && a.body().contains("no such admin route")) {
                        return new Result(Status.NOT_AVAILABLE, 0, Map.of(), List.of(),
                                "POST /pd/api/v1/regions/{id}/check is not served by this PD");
                    }
                }
                askAt = System.nanoTime() + ASK_AGAIN.toNanos();
            }
            ClientLink.HttpAnswer a = link.get("/pd/api/v1/consistency");
            if (a.ok()) {
                for (JsonNode r : a.json().path("regions")) {
                    long id = r.path("region_id").asLong();
                    if (!missing.contains(id) || r.path("index").asLong() <= indexBefore.getOrDefault(id, -1L)) {
                        continue; // an older check than the one asked for here
                    }
                    missing.remove(id);
                    compared++;
                    if (!r.path("consistent").asBoolean(false)) {
                        inconsistent.put(id, r.path("hashes").toString());
                    }
                }
            }
            String note = gone.isEmpty() ? "" : gone.size() + " region(s) split or merged away before answering: "
                    + gone;
            if (missing.isEmpty() && compared > 0) {
                return new Result(Status.CHECKED, compared, inconsistent, List.of(), note);
            }
            if (System.nanoTime() > deadline) {
                return new Result(Status.INCOMPLETE, compared, inconsistent, List.copyOf(missing),
                        "waited " + timeout.toSeconds() + " s" + (note.isEmpty() ? "" : "; " + note));
            }
            sleep();
        }
    }

    /** Region id → index of its latest compared check; null when the PD does not serve the route. */
    private Map<Long, Long> latestIndexes() {
        ClientLink.HttpAnswer a = link.get("/pd/api/v1/consistency");
        if (a.status() == 404) {
            return null;
        }
        Map<Long, Long> out = new TreeMap<>();
        a.json().path("regions").forEach(r -> out.put(r.path("region_id").asLong(), r.path("index").asLong()));
        return out;
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
