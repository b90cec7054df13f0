package io.rangekv.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.KvPair;
import io.rangekv.client.ScanOptions;
import io.rangekv.config.DataSize;
import io.rangekv.meta.Key;
import io.rangekv.store.cluster.StoreDiscoveryPdClient;
import io.rangekv.store.cluster.TestCluster;
import io.rangekv.store.engine.EngineKind;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the HTTP gateway: a real {@link RouterServer} on a port chosen at run time, in front of a one-store
 * cluster, over real sockets (byte for byte, so requests no HTTP client would send get through). Every generated
 * request is bad by construction — a method no route takes, a broken path, query or header, a body that is not the
 * JSON the route needs, a body over the limit, a delete-range without bounds, a request cut off mid-way — and:
 * <ul>
 *   <li>each complete one gets a 4xx whose body is the JSON error {@code {"error": {"kind", "message"}}};</li>
 *   <li>a cut-off one gets a 4xx or a close, never a hang (reads time out at {@link RawHttp#TIMEOUT_MS});</li>
 *   <li>nothing changes: after each property the store holds exactly the canary keys with their values, and a
 *       normal request still works.</li>
 * </ul>
 * Fixed seed, printed in each property's report, so a failure replays. docs/fuzzing.md lists what is tried.
 */
class RouterFuzzIT {
    static final String SEED = "20260511";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 8 * 1024;
    private static final Map<String, String> CANARIES = new TreeMap<>(Map.of(
            "canary-a", "alpha", "canary-b", "beta", "m", "middle", "zz-last", "omega"));
    private static final List<String> ROUTES = List.of("/~fuzz/key", "/v1/kv/~fuzz", "/v1/cas", "/v1/batch",
            "/v1/scan", "/v1/delete-range");

    private static Path dir;
    private static TestCluster cluster;
    private static StoreDiscoveryPdClient pd;
    private static KvClient kv;
    private static RouterServer router;

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("router-fuzz");
        cluster = TestCluster.builder().dataDir(dir).stores(1).engine(EngineKind.MEMORY).start();
        pd = new StoreDiscoveryPdClient(cluster::liveStores);
        kv = new KvClient(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(20)), pd);
        RouterConfig d = RouterConfig.DEFAULTS;
        // A small body limit makes "over the limit" cheap to send; no PD admin address (admin routes answer 503).
        router = RouterServer.start(new RouterConfig(d.host(), 0, 2, DataSize.ofBytes(MAX_BODY), d.maxKeySize(),
                DataSize.ofBytes(MAX_BODY / 2), d.requestTimeout(), d.pdEndpoints(), List.of()), kv);
        CANARIES.forEach((k, v) -> kv.put(Key.of(k), v.getBytes(StandardCharsets.UTF_8)));
    }

    @AfterContainer
    static void stop() throws IOException {
        if (router != null) {
            router.close();
        }
        if (kv != null) {
            kv.close();
        }
        if (pd != null) {
            pd.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** No state changed and the router still serves: exactly the canaries, and a normal GET answers them. */
    @AfterProperty
    void stateIsUnchangedAndTheRouterServes() throws IOException {
        Map<String, String> all = new TreeMap<>();
        for (KvPair p : kv.scan(ScanOptions.range(Key.EMPTY, Key.EMPTY).withLimit(10_000))) {
            all.put(new String(p.key().toBytes(), StandardCharsets.UTF_8), new String(p.value(), StandardCharsets.UTF_8));
        }
        assertEquals(CANARIES, all, "the fuzzing changed the data");
        RawHttp.Response r = RawHttp.exchange(router.port(), RawHttp.request("GET", "/canary-a", "", new byte[0]),
                false);
        assertEquals(200, r.status(), r.toString());
        assertArrayEquals("alpha".getBytes(StandardCharsets.UTF_8), r.body());
    }

    private static void assertJsonError(RawHttp.Response r, String what) {
        // 4xx, or 505 for a request in an HTTP version other than 1.x (RFC 9110 15.6.6).
        assertTrue(r.status() >= 400 && r.status() < 500 || r.status() == 505, what + " -> " + r);
        assertEquals("application/json", r.contentType(), what + " -> " + r.head());
        try {
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertTrue(error != null && error.get("kind").isTextual() && !error.get("kind").asText().isEmpty()
                    && error.get("message").isTextual(), what + " -> " + r);
        } catch (IOException e) {
            throw new AssertionError(what + " -> not JSON: " + r, e);
        }
    }

    private static String show(byte[] request) {
        String s = new String(request, StandardCharsets.ISO_8859_1);
        return s.length() > 300 ? s.substring(0, 300) + "...(" + s.length() + " bytes)" : s;
    }

    // ---- properties ----

    @Property(tries = 300, seed = SEED)
    void aBadRequestLineOrHeaderGetsA4xxJsonError(@ForAll("badRequestLines") byte[] request) throws IOException {
        assertJsonError(RawHttp.exchange(router.port(), request, false), show(request));
    }

    @Property(tries = 300, seed = SEED)
    void aBadBodyGetsA4xxJsonErrorAndWritesNothing(@ForAll("badBodies") byte[] request) throws IOException {
        assertJsonError(RawHttp.exchange(router.port(), request, false), show(request));
    }

    @Property(tries = 200, seed = SEED)
    void aRequestCutOffMidwayIsRefusedOrClosedNeverHangsAndWritesNothing(
            @ForAll("writes") byte[] request, @ForAll @IntRange(min = 1, max = 100_000) int cut) throws IOException {
        byte[] truncated = java.util.Arrays.copyOf(request, 1 + cut % (request.length - 1)); // never the whole
        RawHttp.Response r = RawHttp.exchange(router.port(), truncated, true);
        if (r.status() != 0) {
            assertJsonError(r, show(truncated));
        }
    }

    /** Regression for what the fuzzing found: a PUT sent as HTTP/9.9 was executed (204, key written). */
    @Example
    void aRequestInAnUnsupportedHttpVersionIsRefusedWith505AndNotExecuted() throws IOException {
        for (String version : List.of("HTTP/9.9", "HTTP/2.0", "HTTP/0.9")) {
            byte[] request = ("PUT /~fuzz/version HTTP" + version.substring(4) + "\r\nHost: fuzz\r\n"
                    + "Content-Length: 1\r\n\r\nv").getBytes(StandardCharsets.US_ASCII);
            RawHttp.Response r = RawHttp.exchange(router.port(), request, false);
            assertJsonError(r, version);
            assertTrue(kv.get(Key.of("~fuzz/version")).isEmpty(), version + " was executed");
        }
    }

    // ---- generators: every request is bad by construction ----

    /** Text without CR, LF or space: stays inside one request-line or header token. */
    private static Arbitrary<String> token() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(12);
    }

    private static Arbitrary<String> anyText(int max) {
        return Arbitraries.strings().all().ofMaxLength(max);
    }

    @Provide
    Arbitrary<byte[]> badRequestLines() {
        Arbitrary<String> route = Arbitraries.of(ROUTES);
        // Methods that no route takes (every route refuses them), including lower case and odd tokens.
        Arbitrary<String> method = Arbitraries.oneOf(
                Arbitraries.of("PATCH", "OPTIONS", "TRACE", "get", "Put", "PROPFIND", "M-SEARCH"),
                Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(3).ofMaxLength(10)
                        .filter(m -> !List.of("GET", "HEAD", "PUT", "POST", "DELETE", "CONNECT").contains(m)));
        Arbitrary<byte[]> wrongMethod = Combinators.combine(method, route)
                .as((m, p) -> RawHttp.request(m, p, "", new byte[0]));
        // Routes that exist but not for this method: reads of write-only routes and writes of the scan.
        Arbitrary<byte[]> wrongMethodForRoute = Arbitraries.of(
                RawHttp.request("GET", "/v1/cas", "", new byte[0]), RawHttp.request("GET", "/v1/batch", "", new byte[0]),
                RawHttp.request("GET", "/v1/delete-range", "", new byte[0]),
                RawHttp.request("PUT", "/v1/scan", "", "x".getBytes(StandardCharsets.UTF_8)),
                RawHttp.request("DELETE", "/v1/delete-range", "", new byte[0]),
                RawHttp.request("PUT", "/v1/cas", "", "{}".getBytes(StandardCharsets.UTF_8)));
        // A '%' not followed by two hex digits, in a key path that would otherwise be a write.
        Arbitrary<byte[]> badPercent = Combinators.combine(Arbitraries.of("PUT", "DELETE", "POST"), token(),
                        Arbitraries.of("%", "%G0", "%0", "%zz", "%%", "%-1"))
                .as((m, k, bad) -> RawHttp.request(m, "/~fuzz/" + k.replace("%", "") + bad, "", "v".getBytes()));
        Arbitrary<byte[]> unknownV1 = token().map(t -> RawHttp.request("GET", "/v1/" + t.replace("%", "")
                .replace("?", "").replace("#", "") + "-no-such-route", "", new byte[0]))
                .filter(r -> !new String(r, StandardCharsets.ISO_8859_1).startsWith("GET /v1/kv/"));
        // Query parameters: writes take none, reads only known ones; bad values for the known ones.
        Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8)
                .filter(n -> !List.of("consistency", "encoding", "prefix", "start", "end", "limit", "reverse",
                        "keys_only").contains(n));
        Arbitrary<byte[]> writeWithQuery = Combinators.combine(Arbitraries.of("PUT", "DELETE", "POST"), token(), name)
                .as((m, k, n) -> RawHttp.request(m, "/~fuzz/" + k.replace("%", "").replace("?", "")
                        .replace("#", "") + "?" + n + "=1", "", "v".getBytes()));
        Arbitrary<byte[]> badScan = Arbitraries.oneOf(
                name.map(n -> "/v1/scan?" + n + "=1"),
                token().filter(v -> !v.matches("\\d+")).map(v -> "/v1/scan?limit=" + v.replace("&", "")
                        .replace("#", "")),
                Arbitraries.integers().filter(i -> i < 1 || i > 10_000).map(i -> "/v1/scan?limit=" + i),
                token().filter(v -> !List.of("true", "false", "1", "0", "yes", "no").contains(v.toLowerCase()))
                        .map(v -> "/v1/scan?reverse=" + v.replace("&", "").replace("#", "").replace("%", "")),
                token().filter(v -> !List.of("linearizable", "lease", "follower", "stale").contains(v.toLowerCase()))
                        .map(v -> "/v1/scan?consistency=" + v.replace("&", "").replace("#", "").replace("%", "")),
                Arbitraries.of("/v1/scan?start=b&end=a", "/v1/scan?start=a&end=a", "/v1/scan?prefix=a&start=b",
                        "/v1/scan?encoding=rot13", "/v1/scan?encoding=base64&prefix=***", "/v1/scan?prefix=",
                        "/v1/kv/?encoding=utf8", "/v1/kv/x?consistency=psychic"))
                .map(p -> RawHttp.request("GET", p, "", new byte[0]));
        // Paths over the request-line limit, keys over the key limit.
        Arbitrary<byte[]> longKey = Arbitraries.integers().between(4097, 40_000)
                .map(n -> RawHttp.request("PUT", "/" + "k".repeat(n), "", "v".getBytes()));
        // Broken headers on a write: a bad or conflicting Content-Length, a name with a space or control byte,
        // a line without a colon, an oversized header block.
        Arbitrary<String> badHeader = Arbitraries.oneOf(
                token().filter(v -> !v.matches("\\d+")).map(v -> "Content-Length: " + v + "\r\n"),
                Arbitraries.of("Content-Length: -1\r\n", "Content-Length: 1\r\nContent-Length: 2\r\n",
                        "Content-Length: 99999999999999999999\r\n", "Content-Length: 1 1\r\n",
                        "Bad Name: x\r\n", "Bad\u0001Name: x\r\n", "NoColonHere\r\n", ": empty-name\r\n",
                        "Transfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\nzz\r\n"),
                Arbitraries.integers().between(17 * 1024, 70 * 1024).map(n -> "X-Big: " + "b".repeat(n) + "\r\n"));
        Arbitrary<byte[]> brokenHeaders = Combinators.combine(token(), badHeader).as((k, h) ->
                ("PUT /~fuzz/" + k.replace("%", "").replace("?", "").replace("#", "") + " HTTP/1.1\r\nHost: fuzz\r\n"
                        + "Connection: close\r\n" + h + "\r\nv").getBytes(StandardCharsets.ISO_8859_1));
        // Request lines that are not HTTP: random bytes (no CR/LF), a missing or unknown version, spaces in a path.
        Arbitrary<byte[]> garbageLine = Arbitraries.oneOf(
                anyText(200).map(t -> t.replace("\r", "").replace("\n", "")).map(t -> t + " HTTP/1.1"),
                token().map(t -> "PUT /~fuzz/" + t.replace("%", "") + " HTTP/9.9"),
                token().map(t -> "PUT /~fuzz/a b/" + t.replace("%", "") + " HTTP/1.1"),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(200)
                        .map(b -> new String(b, StandardCharsets.ISO_8859_1).replace("\r", "").replace("\n", "")))
                .map(line -> (line + "\r\nHost: fuzz\r\nConnection: close\r\nContent-Length: 1\r\n\r\nv")
                        .getBytes(StandardCharsets.UTF_8));
        return Arbitraries.frequencyOf(Tuple.of(3, wrongMethod), Tuple.of(1, wrongMethodForRoute),
                Tuple.of(2, badPercent), Tuple.of(1, unknownV1), Tuple.of(2, writeWithQuery), Tuple.of(3, badScan),
                Tuple.of(1, longKey), Tuple.of(3, brokenHeaders), Tuple.of(3, garbageLine));
    }

    /** Any JSON value, nested a little. */
    private static Arbitrary<JsonNode> jsonValue(int depth) {
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.integers().map(i -> (JsonNode) JSON.getNodeFactory().numberNode(i)),
                Arbitraries.doubles().map(d -> (JsonNode) JSON.getNodeFactory().numberNode(d)),
                Arbitraries.of(true, false).map(b -> (JsonNode) JSON.getNodeFactory().booleanNode(b)),
                Arbitraries.just(JSON.getNodeFactory().nullNode()),
                anyText(20).map(s -> (JsonNode) JSON.getNodeFactory().textNode(s)));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<JsonNode> array = jsonValue(depth - 1).list().ofMaxSize(4).map(l -> {
            var a = JSON.createArrayNode();
            l.forEach(a::add);
            return (JsonNode) a;
        });
        Arbitrary<JsonNode> object = Combinators.combine(anyText(8), jsonValue(depth - 1)).as(Map::entry).list()
                .ofMaxSize(4).map(l -> {
                    var o = JSON.createObjectNode();
                    l.forEach(e -> o.set(e.getKey(), e.getValue()));
                    return (JsonNode) o;
                });
        return Arbitraries.oneOf(scalar, array, object);
    }

    private static Arbitrary<JsonNode> nonString() {
        return jsonValue(2).filter(n -> !n.isTextual() && !n.isNull());
    }

    /** An object of the given fields, the rest random extra fields under names the route ignores or refuses. */
    private static JsonNode object(Map<String, JsonNode> fields) {
        var o = JSON.createObjectNode();
        fields.forEach(o::set);
        return o;
    }

    private static JsonNode text(String s) {
        return JSON.getNodeFactory().textNode(s);
    }

    @Provide
    Arbitrary<byte[]> badBodies() {
        Arbitrary<String> route = Arbitraries.of("/v1/cas", "/v1/batch", "/v1/delete-range");
        // Not a JSON object at all: random text and bytes (kept only when they do not parse as an object),
        // JSON scalars and arrays, an object cut short.
        Arbitrary<byte[]> notAnObject = Arbitraries.oneOf(
                        anyText(200).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
                        jsonValue(2).filter(n -> !n.isObject()).map(n -> n.toString().getBytes(StandardCharsets.UTF_8)),
                        jsonValue(2).filter(n -> n.isObject() && n.size() > 0).map(n -> {
                            String s = n.toString();
                            return s.substring(0, s.length() - 1).getBytes(StandardCharsets.UTF_8);
                        }))
                .filter(b -> {
                    try {
                        JsonNode n = JSON.readTree(b);
                        return n == null || !n.isObject();
                    } catch (IOException e) {
                        return true;
                    }
                });
        Arbitrary<byte[]> junk = Combinators.combine(route, notAnObject)
                .as((r, b) -> RawHttp.request("POST", r, "", b));
        // Objects of the wrong shape for each route; a valid put beside a bad field must not be written.
        Arbitrary<JsonNode> validPuts = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6)
                .map(k -> object(Map.of("~fuzz-" + k, text("written?"))));
        Arbitrary<JsonNode> cas = Arbitraries.oneOf(
                nonString().map(k -> object(Map.of("key", k, "value", text("v")))),
                nonString().map(v -> object(Map.of("key", text("~fuzz-cas"), "value", v))),
                nonString().map(e -> object(Map.of("key", text("~fuzz-cas"), "expected", e, "value", text("v")))),
                Arbitraries.just(object(Map.of("key", text(""), "value", text("v")))),
                Arbitraries.just(object(Map.of("value", text("v")))),
                Arbitraries.just(object(Map.of("key", text("~fuzz-cas"), "value", text("v"),
                        "encoding", text("rot13")))),
                Arbitraries.just(object(Map.of("key", text("~fuzz-cas"), "value", text("%%%"),
                        "encoding", text("base64")))),
                Arbitraries.integers().between(MAX_BODY / 2 + 1, MAX_BODY - 100)
                        .map(n -> object(Map.of("key", text("~fuzz-cas"), "value", text("v".repeat(n)))))); // value too large
        Arbitrary<JsonNode> batch = Arbitraries.oneOf(
                Combinators.combine(jsonValue(2).filter(n -> !n.isArray() && !n.isNull()), validPuts)
                        .as((g, p) -> object(Map.of("get", g, "put", p))),
                Combinators.combine(jsonValue(2).filter(n -> !n.isArray() && !n.isNull()), validPuts)
                        .as((d, p) -> object(Map.of("delete", d, "put", p))),
                jsonValue(2).filter(n -> !n.isObject() && !n.isNull()).map(p -> object(Map.of("put", p))),
                Combinators.combine(nonString(), validPuts).as((k, p) -> object(Map.of("get",
                        JSON.createArrayNode().add(k), "put", p))),
                Combinators.combine(nonString(), Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1)
                        .ofMaxLength(6)).as((v, k) -> object(Map.of("put", object(Map.of("~fuzz-" + k, v))))),
                Arbitraries.just(object(Map.of())),
                Arbitraries.just(object(Map.of("get", JSON.createArrayNode(), "put", object(Map.of())))));
        // Delete-range without a bound (the hazard), with a misspelt or unknown field, or with "all" mistyped.
        Arbitrary<String> extraName = anyText(10).filter(n -> !List.of("start", "end", "all", "encoding").contains(n));
        Arbitrary<JsonNode> deleteRange = Arbitraries.oneOf(
                Combinators.combine(extraName, jsonValue(1)).as((n, v) -> object(Map.of(n, v))),
                Arbitraries.of(object(Map.of()), object(Map.of("end", JSON.getNodeFactory().nullNode())),
                        object(Map.of("all", JSON.getNodeFactory().booleanNode(false))),
                        object(Map.of("encoding", text("utf8"))), object(Map.of("strat", text("a"))),
                        object(Map.of("start", text("a"), "ned", text("b"))),
                        object(Map.of("start", text("b"), "end", text("a"))),
                        object(Map.of("start", text(""), "end", text("b")))),
                jsonValue(1).filter(v -> !v.isBoolean() && !v.isNull()).map(v -> object(Map.of("all", v))),
                Arbitraries.of("start", "end").map(f -> object(Map.of("all", JSON.getNodeFactory().booleanNode(true),
                        f, text("k")))),
                nonString().map(v -> object(Map.of("start", v))),
                nonString().map(v -> object(Map.of("end", v))));
        Arbitrary<byte[]> wrongShape = Arbitraries.oneOf(
                cas.map(b -> RawHttp.request("POST", "/v1/cas", "", b.toString().getBytes(StandardCharsets.UTF_8))),
                batch.map(b -> RawHttp.request("POST", "/v1/batch", "", b.toString().getBytes(StandardCharsets.UTF_8))),
                deleteRange.map(b -> RawHttp.request("POST", "/v1/delete-range", "",
                        b.toString().getBytes(StandardCharsets.UTF_8))));
        // Bodies over router.max-body on any write route: 413.
        Arbitrary<byte[]> oversized = Combinators.combine(Arbitraries.of("/~fuzz/big", "/v1/cas", "/v1/batch",
                        "/v1/delete-range"), Arbitraries.integers().between(MAX_BODY + 1, 4 * MAX_BODY))
                .as((r, n) -> RawHttp.request(r.startsWith("/v1") ? "POST" : "PUT", r, "", new byte[n]));
        return Arbitraries.frequencyOf(Tuple.of(3, junk), Tuple.of(5, wrongShape), Tuple.of(1, oversized));
    }

    /** Complete, valid writes; the property cuts them short, so none of them may take effect. */
    @Provide
    Arbitrary<byte[]> writes() {
        Arbitrary<String> k = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
        return Arbitraries.oneOf(
                Combinators.combine(k, Arbitraries.integers().between(1, 2000))
                        .as((key, n) -> RawHttp.request("PUT", "/~fuzz/" + key, "", "v".repeat(n).getBytes())),
                k.map(key -> RawHttp.request("POST", "/v1/cas", "",
                        ("{\"key\": \"~fuzz-" + key + "\", \"value\": \"v\"}").getBytes(StandardCharsets.UTF_8))),
                k.map(key -> RawHttp.request("POST", "/v1/batch", "",
                        ("{\"put\": {\"~fuzz-" + key + "\": \"v\"}}").getBytes(StandardCharsets.UTF_8))),
                Arbitraries.just(RawHttp.request("POST", "/v1/delete-range", "",
                        "{\"all\": true}".getBytes(StandardCharsets.UTF_8))),
                Arbitraries.just(RawHttp.request("DELETE", "/canary-a", "", new byte[0])));
    }
}
