package io.rangekv.pd.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rangekv.concurrent.Futures;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.error.KvException;
import io.rangekv.error.RequestException;
import io.rangekv.meta.Key;
import io.rangekv.pd.PdConfig;
import io.rangekv.pd.PdMember;
import io.rangekv.pd.RegionAdmin;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.pd.raft.PdRaftGroup;
import io.rangekv.pd.rpc.PdRpcService;
import io.rangekv.pd.schedule.OperatorController;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PD's HTTP admin API (JSON), for people with curl, the router's pass-through and {@code rangekv ctl}:
 * <pre>
 * GET  /health                                     this member is up (any member)
 * GET  /pd/api/v1/members                          PD members and the leader (any member)
 * GET  /pd/api/v1/stores                           stores with state, counts, capacity, last heartbeat
 * GET  /pd/api/v1/regions[?limit=N]                regions in key order with epoch, peers, leader, size, rates
 * GET  /pd/api/v1/regions/{id}                     one region
 * GET  /pd/api/v1/regions/by-key?key=K             the region holding key K (key_base64= for raw bytes)
 * POST /pd/api/v1/regions/{id}/split               {"key": "k"} or {"key_base64": ".."} or {} (middle by size)
 *                                                  or {"parts": N} (N regions of about equal size)
 * POST /pd/api/v1/regions/{id}/transfer-leader     {"store_id": 2}
 * POST /pd/api/v1/regions/{id}/move                {"from_store": 1, "to_store": 4}
 * POST /pd/api/v1/regions/{id}/add-peer            {"store_id": 4}
 * POST /pd/api/v1/regions/{id}/remove-peer         {"store_id": 1}
 * POST /pd/api/v1/regions/{id}/merge               {"target": 7}: region {id} merges into its neighbour 7
 * GET  /pd/api/v1/config                          {"max_replicas": 3}
 * POST /pd/api/v1/config                          {"max_replicas": 5}: every region's replica count from now on
 * POST /pd/api/v1/stores/{id}/offline             drain a store: replicas move away, then it is TOMBSTONE
 * POST /pd/api/v1/stores/{id}/remove              a dead store: TOMBSTONE now, its replicas re-created elsewhere
 * GET  /pd/api/v1/operators                        running operators and the recent history (why, how they ended)
 * POST /pd/api/v1/regions/{id}/check               a consistency check of the region (202; see /consistency)
 * POST /pd/api/v1/consistency/check                a consistency check of every region (202)
 * GET  /pd/api/v1/consistency                      each region's latest compared check: hashes, verdict
 * </pre>
 * A member that is not the leader redirects (307) to the leader's admin address, so {@code curl -L} works against
 * any member. Errors are JSON {@code {"error": {"kind", "message"}}} with a 4xx/5xx status.
 *
 * <p>Threads: {@code pd-http-*} (blocking is fine here: split and transfer wait for the heartbeat that confirms).
 */
public final class AdminHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);
    private static final String API = "/pd/api/v1";
    private static final Pattern REGION = Pattern.compile(
            API + "/regions/(\\d+)(/split|/transfer-leader|/move|/add-peer|/remove-peer|/merge|/check)?");
    private static final Pattern STORE = Pattern.compile(API + "/stores/(\\d+)(/offline|/remove)");
    private static final Duration ADMIN_WAIT = Duration.ofSeconds(10);
    /** A replica move copies the region (a RaftSnapshot or the log) before it ends. */
    private static final Duration MEMBERSHIP_WAIT = Duration.ofSeconds(60);

    private final HttpServer server;
    private final ExecutorService executor;
    private final PdConfig config;
    private final PdRaftGroup raft;
    private final ClusterMetadata metadata;
    private final PdRpcService views;
    private final RegionAdmin admin;
    private final OperatorController operators;
    private final ConsistencyAdmin consistency;

    private AdminHttpServer(HttpServer server, ExecutorService executor, PdConfig config, PdRaftGroup raft,
                            ClusterMetadata metadata, PdRpcService views, RegionAdmin admin,
                            OperatorController operators, ConsistencyAdmin consistency) {
        this.server = server;
        this.consistency = consistency;
        this.operators = operators;
        this.executor = executor;
        this.config = config;
        this.raft = raft;
        this.metadata = metadata;
        this.views = views;
        this.admin = admin;
    }

    public static AdminHttpServer start(String host, int port, PdConfig config, PdRaftGroup raft,
                                        ClusterMetadata metadata, PdRpcService views, RegionAdmin admin,
                                        OperatorController operators, ConsistencyAdmin consistency) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
            ExecutorService executor = Executors.newFixedThreadPool(4, new NamedThreadFactory("pd-http", true));
            server.setExecutor(executor);
            AdminHttpServer http = new AdminHttpServer(server, executor, config, raft, metadata, views, admin,
                    operators, consistency);
            server.createContext("/", http::handle);
            server.start();
            return http;
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind the PD HTTP port " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange);
            } catch (HttpError e) {
                send(exchange, e.status, AdminJson.error(e.kind, e.getMessage()));
            } catch (KvException e) {
                send(exchange, 400, AdminJson.error(e.kind().name(), e.getMessage()));
            } catch (RuntimeException e) {
                Throwable cause = Futures.unwrap(e);
                if (cause instanceof KvException kv) {
                    send(exchange, 503, AdminJson.error(kv.kind().name(), kv.getMessage()));
                } else {
                    LOG.warn("admin request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                    send(exchange, 500, AdminJson.error("INTERNAL", String.valueOf(cause)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(exchange, 503, AdminJson.error("UNAVAILABLE", "the PD is stopping"));
            }
        }
    }

    private void route(HttpExchange exchange) throws IOException, InterruptedException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (path.equals("/health")) {
            send(exchange, 200, AdminJson.MAPPER.createObjectNode().put("status", "ok")
                    .put("member_id", config.memberId()).put("leader", raft.isReadyLeader()));
            return;
        }
        if (path.equals(API + "/members")) {
            requireMethod(method, "GET");
            ObjectNode out = AdminJson.MAPPER.createObjectNode();
            ArrayNode members = out.putArray("members");
            config.members().forEach(m -> members.add(AdminJson.member(m.toProto())));
            raft.leader().ifPresentOrElse(l -> out.set("leader", AdminJson.member(l.toProto())),
                    () -> out.putNull("leader"));
            send(exchange, 200, out);
            return;
        }
        if (!path.startsWith(API + "/")) {
            throw new HttpError(404, "NOT_FOUND", "no such admin route: " + path);
        }
        if (!raft.isReadyLeader()) {
            redirectToLeader(exchange);
            return;
        }
        if (path.equals(API + "/stores")) {
            requireMethod(method, "GET");
            ObjectNode out = AdminJson.MAPPER.createObjectNode();
            ArrayNode stores = out.putArray("stores");
            metadata.stores().forEach(s -> stores.add(AdminJson.store(views.storeInfo(s))));
            out.put("count", stores.size());
            send(exchange, 200, out);
            return;
        }
        if (path.equals(API + "/regions")) {
            requireMethod(method, "GET");
            int limit = intParam(query(exchange), "limit", 0);
            ObjectNode out = AdminJson.MAPPER.createObjectNode();
            ArrayNode regions = out.putArray("regions");
            metadata.scanRegions(Key.EMPTY, Key.EMPTY, limit).forEach(r -> regions.add(AdminJson.region(
                    views.info(r))));
            out.put("count", regions.size());
            send(exchange, 200, out);
            return;
        }
        Matcher storeAction = STORE.matcher(path);
        if (storeAction.matches()) {
            requireMethod(method, "POST");
            long storeId = pathId(storeAction.group(1), "store");
            String message = admin.removeStore(storeId, storeAction.group(2).equals("/offline"));
            send(exchange, 200, AdminJson.MAPPER.createObjectNode().put("done", true).put("message", message));
            return;
        }
        if (path.equals(API + "/config")) {
            if (method.equals("POST")) {
                String message = admin.setMaxReplicas(intField(body(exchange), "max_replicas"));
                send(exchange, 200, AdminJson.MAPPER.createObjectNode().put("done", true).put("message", message)
                        .put("max_replicas", admin.maxReplicas()));
                return;
            }
            requireMethod(method, "GET");
            send(exchange, 200, AdminJson.MAPPER.createObjectNode().put("max_replicas", admin.maxReplicas()));
            return;
        }
        if (path.equals(API + "/operators")) {
            requireMethod(method, "GET");
            ObjectNode out = AdminJson.MAPPER.createObjectNode();
            ArrayNode running = out.putArray("running");
            operators.running().forEach(o -> running.add(AdminJson.operator(o)));
            ArrayNode history = out.putArray("history");
            operators.history().forEach(o -> history.add(AdminJson.operator(o)));
            send(exchange, 200, out);
            return;
        }
        if (path.equals(API + "/consistency")) {
            requireMethod(method, "GET");
            send(exchange, 200, consistency.describe());
            return;
        }
        if (path.equals(API + "/consistency/check")) {
            requireMethod(method, "POST");
            List<Long> all = metadata.regions().stream().map(io.rangekv.meta.Region::regionId).toList();
            consistency.request(all);
            ObjectNode out = AdminJson.MAPPER.createObjectNode().put("queued", all.size());
            send(exchange, 202, out);
            return;
        }
        if (path.equals(API + "/regions/by-key")) {
            requireMethod(method, "GET");
            Key key = keyParam(query(exchange));
            send(exchange, 200, AdminJson.region(views.info(metadata.regionByKey(key).orElseThrow(() ->
                    new HttpError(404, "NOT_FOUND", "no region holds that key yet")))));
            return;
        }
        Matcher m = REGION.matcher(path);
        if (!m.matches()) {
            throw new HttpError(404, "NOT_FOUND", "no such admin route: " + path);
        }
        long regionId = pathId(m.group(1), "region");
        String action = m.group(2);
        if (action == null) {
            requireMethod(method, "GET");
            send(exchange, 200, AdminJson.region(views.info(metadata.regionById(regionId).orElseThrow(() ->
                    new HttpError(404, "NOT_FOUND", "no region " + regionId)))));
            return;
        }
        requireMethod(method, "POST");
        if (action.equals("/check")) {
            metadata.regionById(regionId).orElseThrow(() -> new HttpError(404, "NOT_FOUND", "no region " + regionId));
            consistency.request(List.of(regionId));
            send(exchange, 202, AdminJson.MAPPER.createObjectNode().put("region_id", regionId).put("queued", true));
            return;
        }
        JsonNode body = body(exchange);
        RegionAdmin.Result result = switch (action) {
            case "/split" -> body.has("parts") ? admin.splitInto(regionId, intField(body, "parts"), ADMIN_WAIT)
                    : admin.split(regionId, bodyKey(body), ADMIN_WAIT);
            case "/transfer-leader" -> admin.transferLeader(regionId, storeField(body, "store_id"), ADMIN_WAIT);
            case "/move" -> admin.move(regionId, storeField(body, "from_store"), storeField(body, "to_store"),
                    MEMBERSHIP_WAIT);
            case "/add-peer" -> admin.addPeer(regionId, storeField(body, "store_id"), MEMBERSHIP_WAIT);
            case "/merge" -> admin.merge(regionId, idField(body, "target", "region id"), MEMBERSHIP_WAIT);
            default -> admin.removePeer(regionId, storeField(body, "store_id"), MEMBERSHIP_WAIT);
        };
        ObjectNode out = AdminJson.MAPPER.createObjectNode().put("done", result.done())
                .put("message", result.message());
        ArrayNode regions = out.putArray("regions");
        result.regions().forEach(r -> regions.add(AdminJson.region(views.info(r))));
        send(exchange, result.done() ? 200 : 202, out);
    }

    private void redirectToLeader(HttpExchange exchange) throws IOException {
        Optional<PdMember> leader = raft.leader().filter(l -> l.memberId() != config.memberId());
        if (leader.isEmpty()) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            send(exchange, 503, AdminJson.error("NO_LEADER", "the PD has no leader right now; retry shortly"));
            return;
        }
        exchange.getResponseHeaders().set("Location", "http://" + leader.get().httpAddress()
                + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
        send(exchange, 307, AdminJson.error("NOT_LEADER", "PD member " + config.memberId()
                + " is not the leader; see Location"));
    }

    /** An id from the path: the pattern guarantees digits, but 20 of them overflow a long (was a 500). */
    private static long pathId(String digits, String what) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new HttpError(400, "INVALID_ARGUMENT", "not a valid " + what + " id: " + digits);
        }
    }

    private static long storeField(JsonNode body, String field) {
        return idField(body, field, "store id");
    }

    private static long idField(JsonNode body, String field, String what) {
        JsonNode n = body.get(field);
        // Integral only: canConvertToLong alone took 1.5 as 1.
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new HttpError(400, "INVALID_ARGUMENT", "this request needs {\"" + field + "\": <" + what + ">}");
        }
        return n.asLong();
    }

    private static int intField(JsonNode body, String field) {
        JsonNode n = body.get(field);
        // Integral only: canConvertToInt alone took {"max_replicas": 1.5} as 1.
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new HttpError(400, "INVALID_ARGUMENT", "\"" + field + "\" must be a whole number");
        }
        return n.asInt();
    }

    private static void requireMethod(String method, String wanted) {
        if (!method.equals(wanted)) {
            throw new HttpError(405, "METHOD_NOT_ALLOWED", "use " + wanted + " here, not " + method);
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.put(name, value);
            } catch (IllegalArgumentException e) {
                // A '%' without two hex digits: the caller's mistake, not a 500.
                throw new HttpError(400, "INVALID_ARGUMENT", "bad percent-encoding in the query: " + pair);
            }
        }
        return params;
    }

    private static int intParam(Map<String, String> params, String name, int defaultValue) {
        String value = params.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new HttpError(400, "INVALID_ARGUMENT", name + " must be a non-negative integer: " + value);
        }
    }

    private static Key keyParam(Map<String, String> params) {
        if (params.containsKey("key_base64")) {
            return decodeBase64(params.get("key_base64"));
        }
        if (params.containsKey("key")) {
            return Key.of(params.get("key"));
        }
        throw new HttpError(400, "INVALID_ARGUMENT", "give key= or key_base64=");
    }

    private static Key bodyKey(JsonNode body) {
        if (body.hasNonNull("key_base64")) {
            return decodeBase64(body.get("key_base64").asText());
        }
        if (body.hasNonNull("key")) {
            return Key.of(body.get("key").asText());
        }
        return Key.EMPTY;
    }

    private static Key decodeBase64(String text) {
        try {
            return Key.wrap(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "INVALID_ARGUMENT", "not base64: " + text);
        }
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(64 * 1024 + 1);
            if (bytes.length > 64 * 1024) {
                throw new HttpError(413, "BODY_TOO_LARGE", "admin request bodies are at most 64 KiB");
            }
            if (bytes.length == 0) {
                return AdminJson.MAPPER.createObjectNode();
            }
            JsonNode node = AdminJson.MAPPER.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new HttpError(400, "BAD_JSON", "the body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new HttpError(400, "BAD_JSON", "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = AdminJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** An HTTP-level error with its status and kind. */
    private static final class HttpError extends RuntimeException {
        private final int status;
        private final String kind;

        HttpError(int status, String kind, String message) {
            super(message);
            this.status = status;
            this.kind = kind;
        }
    }
}
