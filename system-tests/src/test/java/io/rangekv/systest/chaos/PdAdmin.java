package io.rangekv.systest.chaos;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The PD admin API as the harness uses it, over the client's link (placement-driver/OVERVIEW.md has every route). */
final class PdAdmin {
    private final ClientLink link;

    PdAdmin(ClientLink link) {
        this.link = link;
    }

    record Peer(long peerId, long storeId, String role) {
    }

    record Region(long id, String start, String end, long confVersion, long version, List<Peer> peers,
                  long leaderStore) {
        boolean hasLeader() {
            return leaderStore != 0;
        }

        List<Long> storeIds() {
            return peers.stream().map(Peer::storeId).toList();
        }

        long voters() {
            return peers.stream().filter(p -> p.role().equals("VOTER")).count();
        }

        boolean contains(String key) {
            return start.compareTo(key) <= 0 && (end.isEmpty() || key.compareTo(end) < 0);
        }

        String describe() {
            StringBuilder sb = new StringBuilder("region " + id + " [" + start + ", " + end + ") v" + version
                    + " cv" + confVersion + " peers");
            peers.forEach(p -> sb.append(' ').append(p.storeId()).append(':').append(p.role()));
            return sb.append(" leader ").append(leaderStore == 0 ? "none" : String.valueOf(leaderStore)).toString();
        }
    }

    /** The region map, or empty when no PD member answered. */
    Optional<List<Region>> regions() {
        ClientLink.HttpAnswer a = link.get("/pd/api/v1/regions");
        if (!a.ok()) {
            return Optional.empty();
        }
        List<Region> out = new ArrayList<>();
        for (JsonNode r : a.json().path("regions")) {
            List<Peer> peers = new ArrayList<>();
            r.path("peers").forEach(p -> peers.add(new Peer(p.path("peer_id").asLong(), p.path("store_id").asLong(),
                    p.path("role").asText())));
            out.add(new Region(r.path("id").asLong(), key(r, "start_key"), key(r, "end_key"),
                    r.path("epoch").path("conf_version").asLong(), r.path("epoch").path("version").asLong(),
                    peers, r.path("leader").path("store_id").asLong(0)));
        }
        return Optional.of(out);
    }

    private static String key(JsonNode r, String field) {
        JsonNode b64 = r.get(field + "_base64");
        if (b64 != null && !b64.isNull()) {
            return new String(Base64.getDecoder().decode(b64.asText()), StandardCharsets.ISO_8859_1);
        }
        return r.path(field).asText("");
    }

    /** Store id → state (UP, DISCONNECTED, DOWN, OFFLINE, TOMBSTONE), or empty when no PD member answered. */
    Optional<Map<Long, String>> stores() {
        ClientLink.HttpAnswer a = link.get("/pd/api/v1/stores");
        if (!a.ok()) {
            return Optional.empty();
        }
        Map<Long, String> out = new TreeMap<>();
        a.json().path("stores").forEach(s -> out.put(s.path("id").asLong(), s.path("state").asText()));
        return Optional.of(out);
    }

    /** The PD leader's member id, when one is known. */
    Optional<Long> pdLeader() {
        ClientLink.HttpAnswer a = link.get("/pd/api/v1/members");
        if (!a.ok() || !a.json().hasNonNull("leader")) {
            return Optional.empty();
        }
        return Optional.of(a.json().get("leader").path("id").asLong());
    }

    /** Operators still running (empty list when none; empty optional when no PD member answered). */
    Optional<List<String>> runningOperators() {
        ClientLink.HttpAnswer a = link.get("/pd/api/v1/operators");
        if (!a.ok()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        a.json().path("running").forEach(o -> out.add(o.toString()));
        return Optional.of(out);
    }

    int maxReplicas() {
        ClientLink.HttpAnswer a = link.get("/pd/api/v1/config");
        return a.ok() ? a.json().path("max_replicas").asInt(3) : 3;
    }

    ClientLink.HttpAnswer split(long region, String keyOrNull) {
        return link.post("/pd/api/v1/regions/" + region + "/split", keyOrNull == null ? "{}"
                : ClientLink.JSON.createObjectNode().put("key", keyOrNull).toString());
    }

    ClientLink.HttpAnswer merge(long source, long target) {
        return link.post("/pd/api/v1/regions/" + source + "/merge", "{\"target\": " + target + "}");
    }

    ClientLink.HttpAnswer move(long region, long from, long to) {
        return link.post("/pd/api/v1/regions/" + region + "/move", "{\"from_store\": " + from + ", \"to_store\": "
                + to + "}");
    }

    ClientLink.HttpAnswer transferLeader(long region, long store) {
        return link.post("/pd/api/v1/regions/" + region + "/transfer-leader", "{\"store_id\": " + store + "}");
    }

    ClientLink.HttpAnswer storeOffline(long store) {
        return link.post("/pd/api/v1/stores/" + store + "/offline", "{}");
    }

    ClientLink link() {
        return link;
    }
}
