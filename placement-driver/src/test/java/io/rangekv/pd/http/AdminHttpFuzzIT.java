package io.rangekv.pd.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.pd.PdConfig;
import io.rangekv.pd.PdMember;
import io.rangekv.pd.PdNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the PD's admin HTTP API: a real one-member PD ({@link PdNode}: Raft group, RPC and HTTP servers) on ports
 * chosen at run time, over real sockets. Every request is bad by construction: a method a route does not take, an
 * unknown path, an id that is not a number or overflows one, a bad query (missing, malformed, bad percent-encoding),
 * a body that is not JSON or not an object, fields of the wrong type or out of range, a body over 64 KiB, actions on
 * regions and stores that do not exist. Each must get a 4xx with {@code {"error": {"kind", "message"}}}, and after
 * each property the PD's stores, regions and config read back exactly as before and {@code /health} answers.
 * Fixed seed, printed in each property's report.
 */
class AdminHttpFuzzIT {
    static final String SEED = "20260511";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API = "/pd/api/v1";

    private static Path dir;
    private static PdNode pd;
    private static int port;
    private static Map<String, String> before;

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("pd-admin-fuzz");
        PdMember self = new PdMember(1, "127.0.0.1", freePort(), freePort(), freePort());
        pd = PdNode.start(new PdConfig(1, dir.resolve("pd-1"), List.of(self), Duration.ofMillis(1000), 1,
                PdConfig.ScheduleConfig.DEFAULTS));
        port = self.httpPort();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!pd.isLeader()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the PD did not become leader within 30 s");
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        before = state();
    }

    @AfterContainer
    static void stop() throws IOException {
        if (pd != null) {
            pd.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Bind and release: the PD's ports must be known before it starts. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Map<String, String> state() throws IOException {
        return Map.of("stores", get(API + "/stores"), "regions", get(API + "/regions"), "config", get(API + "/config"),
                "operators", get(API + "/operators"));
    }

    private static String get(String path) throws IOException {
        RawHttp.Response r = RawHttp.exchange(port, RawHttp.request("GET", path, "", new byte[0]), false);
        assertEquals(200, r.status(), path + " -> " + r);
        return r.bodyText();
    }

    @AfterProperty
    void stateIsUnchangedAndThePdServes() throws IOException {
        assertEquals(before, state(), "the fuzzing changed the PD's metadata");
        assertTrue(get("/health").contains("\"ok\""));
    }

    private static void assertJsonError(byte[] request) throws IOException {
        RawHttp.Response r = RawHttp.exchange(port, request, false);
        String what = new String(request, StandardCharsets.ISO_8859_1);
        what = what.length() > 300 ? what.substring(0, 300) + "..." : what;
        assertTrue(r.status() >= 400 && r.status() < 500, what + " -> " + r);
        if (r.status() == 400 && !validUri(what.split(" ")[1])) {
            // The JDK's HttpServer answers a request-target that is not a URI itself (text/html), before any
            // handler of ours runs; AdminHttpServer cannot make that JSON (noted in docs/fuzzing.md).
            return;
        }
        assertEquals("application/json", r.contentType(), what + " -> " + r.head());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertTrue(error != null && error.get("kind").isTextual() && error.get("message").isTextual(),
                what + " -> " + r);
    }

    private static boolean validUri(String target) {
        try {
            new java.net.URI(target);
            return true;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    @Property(tries = 400, seed = SEED)
    void aBadAdminRequestGetsA4xxJsonErrorAndChangesNothing(@ForAll("badRequests") byte[] request)
            throws IOException {
        assertJsonError(request);
    }

    /** Regressions for what the fuzzing found (each answered 500 INTERNAL, or 200 for a fractional number). */
    @Example
    void overflowingIdsBadPercentEncodingAndFractionsAre400() throws IOException {
        for (String path : List.of(API + "/regions/99999999999999999999", API + "/stores/99999999999999999999/offline",
                API + "/regions/by-key?key=%zz", API + "/regions?limit=%", API + "/regions/by-key?key_base64=%G1")) {
            assertJsonError(RawHttp.request(path.contains("offline") ? "POST" : "GET", path, "", new byte[0]));
        }
        assertJsonError(RawHttp.request("POST", API + "/config", "",
                "{\"max_replicas\": 1.5}".getBytes(StandardCharsets.UTF_8)));
        assertJsonError(RawHttp.request("POST", API + "/regions/424242/split", "",
                "{\"parts\": 2.5}".getBytes(StandardCharsets.UTF_8)));
    }

    // ---- generators ----

    private static Arbitrary<String> anyText(int max) {
        return Arbitraries.strings().all().ofMaxLength(max);
    }

    /** Any JSON value, nested a little. */
    private static Arbitrary<JsonNode> jsonValue(int depth) {
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.longs().map(i -> (JsonNode) JSON.getNodeFactory().numberNode(i)),
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
        Arbitrary<JsonNode> object = Combinators.combine(Arbitraries.oneOf(anyText(8), Arbitraries.of("key",
                        "key_base64", "parts", "store_id", "from_store", "to_store", "target", "max_replicas")),
                jsonValue(depth - 1)).as(Map::entry).list().ofMaxSize(4).map(l -> {
                    var o = JSON.createObjectNode();
                    l.forEach(e -> o.set(e.getKey(), e.getValue()));
                    return (JsonNode) o;
                });
        return Arbitraries.oneOf(scalar, array, object);
    }

    @Provide
    Arbitrary<byte[]> badRequests() {
        Arbitrary<String> readRoutes = Arbitraries.of(API + "/stores", API + "/regions", API + "/regions/1",
                API + "/regions/by-key?key=a", API + "/operators", API + "/members");
        Arbitrary<String> actionRoutes = Arbitraries.of("split", "transfer-leader", "move", "add-peer", "remove-peer",
                "merge").map(a -> API + "/regions/424242/" + a);
        // Methods the routes do not take: writes on reads, reads on actions, odd tokens.
        Arbitrary<byte[]> wrongMethod = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of("POST", "PUT", "DELETE", "PATCH", "FOO"), readRoutes)
                        .as((m, p) -> RawHttp.request(m, p, "", "{}".getBytes())),
                Combinators.combine(Arbitraries.of("GET", "PUT", "DELETE", "PATCH"), actionRoutes)
                        .as((m, p) -> RawHttp.request(m, p, "", new byte[0])),
                Arbitraries.of("PUT", "DELETE", "PATCH").map(m -> RawHttp.request(m, API + "/config", "",
                        "{\"max_replicas\": 3}".getBytes())),
                Arbitraries.of("GET", "PUT").map(m -> RawHttp.request(m, API + "/stores/4242/offline", "",
                        new byte[0])));
        Arbitrary<String> segment = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(12)
                .map(s -> s.replace("?", "").replace("#", "").replace("%", ""))
                .filter(s -> !s.isEmpty());
        // Paths that are no route, ids that are not numbers or overflow a long.
        Arbitrary<byte[]> badPath = Arbitraries.oneOf(
                segment.map(s -> API + "/" + s + "-nope"),
                segment.map(s -> "/" + s + "-nope"),
                segment.map(s -> API + "/regions/" + s + "x"),
                Arbitraries.strings().numeric().ofMinLength(20).ofMaxLength(40).map(n -> API + "/regions/" + n),
                Arbitraries.strings().numeric().ofMinLength(20).ofMaxLength(40).map(n -> API + "/regions/" + n
                        + "/split"),
                Arbitraries.strings().numeric().ofMinLength(20).ofMaxLength(40).map(n -> API + "/stores/" + n
                        + "/offline"),
                Arbitraries.of(API + "/regions/-1", API + "/regions/1/explode", API + "/stores/1", API,
                        API + "/", API + "/stores/x/remove"))
                .map(p -> RawHttp.request(p.contains("/split") || p.contains("/offline") || p.contains("/remove")
                        ? "POST" : "GET", p, "", new byte[0]));
        // Queries: missing, malformed numbers, bad base64, bad percent-encoding, keys of no region yet.
        Arbitrary<byte[]> badQuery = Arbitraries.oneOf(
                        segment.filter(v -> !v.matches("\\d+")).map(v -> API + "/regions?limit=" + v.replace("&", "")),
                        Arbitraries.integers().lessOrEqual(-1).map(n -> API + "/regions?limit=" + n),
                        Arbitraries.strings().numeric().ofMinLength(10).ofMaxLength(30).map(n -> API
                                + "/regions?limit=9" + n), // over an int (leading 9: no zeros that parse small)
                        Arbitraries.of("%", "%z", "%zz", "%%", "a%G1").map(b -> API + "/regions/by-key?key=" + b),
                        Arbitraries.of("%", "%zz").map(b -> API + "/regions?limit=" + b),
                        Arbitraries.of("***", "a", "%3D%3D%3D").map(b -> API + "/regions/by-key?key_base64=" + b),
                        segment.map(k -> API + "/regions/by-key?key=" + k.replace("&", "")),
                        Arbitraries.just(API + "/regions/by-key"))
                .map(p -> RawHttp.request("GET", p, "", new byte[0]));
        // Bodies: not JSON, not an object, wrong types, out of range; actions on regions/stores that do not exist.
        Arbitrary<byte[]> notAnObject = Arbitraries.oneOf(anyText(200).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(200),
                        jsonValue(2).filter(n -> !n.isObject()).map(n -> n.toString().getBytes(StandardCharsets.UTF_8)))
                .filter(b -> {
                    try {
                        JsonNode n = JSON.readTree(b);
                        return n != null && !n.isObject() || n == null && b.length > 0 && !new String(b,
                                StandardCharsets.UTF_8).isBlank();
                    } catch (IOException e) {
                        return true;
                    }
                });
        Arbitrary<byte[]> badBody = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.oneOf(actionRoutes, Arbitraries.just(API + "/config")), notAnObject)
                        .as((p, b) -> RawHttp.request("POST", p, "", b)),
                Combinators.combine(actionRoutes, jsonValue(2).filter(JsonNode::isObject))
                        .as((p, b) -> RawHttp.request("POST", p, "", b.toString().getBytes(StandardCharsets.UTF_8))),
                jsonValue(1).filter(v -> !v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > 7)
                        .map(v -> RawHttp.request("POST", API + "/config", "",
                                ("{\"max_replicas\": " + v + "}").getBytes(StandardCharsets.UTF_8))),
                Arbitraries.of(API + "/stores/4242/offline", API + "/stores/4242/remove")
                        .map(p -> RawHttp.request("POST", p, "", new byte[0])),
                Arbitraries.integers().between(64 * 1024 + 1, 200 * 1024).map(n -> RawHttp.request("POST",
                        API + "/config", "", ("{\"max_replicas\": \"" + "x".repeat(n) + "\"}")
                                .getBytes(StandardCharsets.UTF_8))));
        return Arbitraries.frequencyOf(Tuple.of(2, wrongMethod), Tuple.of(2, badPath), Tuple.of(2, badQuery),
                Tuple.of(4, badBody));
    }
}
