package io.rangekv.pd.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rangekv.pd.schedule.ConsistencyChecker;

import java.util.Collection;
import java.util.concurrent.Executor;

/**
 * The consistency check as the admin API sees it: a request to check is handed to the decision thread (the
 * checker's state is confined there); verdicts are read as the last scheduling round published them.
 */
public final class ConsistencyAdmin {
    private final ConsistencyChecker checker;
    private final Executor decisions;

    public ConsistencyAdmin(ConsistencyChecker checker, Executor decisions) {
        this.checker = checker;
        this.decisions = decisions;
    }

    /** Asks for a check of each region; its leader proposes one within a scheduling round or two. */
    public void request(Collection<Long> regionIds) {
        decisions.execute(() -> regionIds.forEach(checker::request));
    }

    /**
     * {@code {"regions": [{"region_id", "index", "hashes": {"<storeId>": "<hex>"}, "consistent", "diverged_stores"}],
     * "pending": [regionId...]}}: each region's latest compared check, and the checks asked for but not yet
     * proposed.
     */
    public ObjectNode describe() {
        ObjectNode out = AdminJson.MAPPER.createObjectNode();
        ArrayNode regions = out.putArray("regions");
        for (ConsistencyChecker.Verdict v : checker.verdicts()) {
            ObjectNode r = regions.addObject().put("region_id", v.regionId()).put("index", v.index())
                    .put("consistent", v.consistent());
            ObjectNode hashes = r.putObject("hashes");
            v.hashByStore().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .forEach(e -> hashes.put(String.valueOf(e.getKey()), String.format("%016x", e.getValue())));
            ArrayNode diverged = r.putArray("diverged_stores");
            v.divergedStores().stream().sorted().forEach(diverged::add);
        }
        ArrayNode pending = out.putArray("pending");
        checker.pending().stream().sorted().forEach(pending::add);
        return out;
    }
}
