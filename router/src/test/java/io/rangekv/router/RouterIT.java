package io.rangekv.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.meta.Key;
import io.rangekv.store.cluster.StoreDiscoveryPdClient;
import io.rangekv.store.cluster.TestCluster;
import io.rangekv.store.engine.EngineKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The router over real HTTP in front of a real three-store cluster split into three regions: the curl flow, keys
 * with any bytes, the JSON API, bad input (each a 4xx with a JSON body, the router still serving afterwards), and
 * the admin pass-through to a stub PD that redirects.
 */
class RouterIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static TestCluster cluster;
    private static StoreDiscoveryPdClient pd;
    private static KvClient kv;
    private static RouterServer router;
    private static HttpServer stubLeader;
    private static HttpServer stubFollower;
    private static String base;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.builder().dataDir(dir).engine(EngineKind.MEMORY).start();
        io.rangekv.meta.Region right = cluster.split(1, Key.of("k300"));
        cluster.split(right.regionId(), Key.of("k600"));
        pd = new StoreDiscoveryPdClient(cluster::liveStores);
        kv = new KvClient(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(20)), pd);
        stubLeader = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stubLeader.createContext("/", exchange -> {
            byte[] body = ("{\"path\": \"" + exchange.getRequestURI() + "\", \"method\": \""
                    + exchange.getRequestMethod() + "\", \"body\": " + JSON.writeValueAsString(
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)) + "}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        stubLeader.start();
        stubFollower = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stubFollower.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Location", "http://127.0.0.1:" + stubLeader.getAddress().getPort()
                    + exchange.getRequestURI());
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        stubFollower.start();
        RouterConfig config = RouterConfig.DEFAULTS.withPort(0).withPdHttpEndpoints(List.of(
                "127.0.0.1:1", "127.0.0.1:" + stubFollower.getAddress().getPort()));
        router = RouterServer.start(new RouterConfig(config.host(), 0, 2, io.rangekv.config.DataSize.ofKilobytes(64),
                config.maxKeySize(), io.rangekv.config.DataSize.ofKilobytes(32), config.requestTimeout(),
                config.pdEndpoints(), config.pdHttpEndpoints()), kv);
        base = "http://127.0.0.1:" + router.port();
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        stubLeader.stop(0);
        stubFollower.stop(0);
        kv.close();
        pd.close();
        cluster.close();
    }

    private static HttpResponse<byte[]> send(String method, String path, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> send(String method, String path, String body) throws Exception {
        return send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body());
    }

    private static void assertJsonError(HttpResponse<byte[]> r, int status, String kind) throws IOException {
        assertEquals(status, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(kind, json(r).get("error").get("kind").asText(), new String(r.body(), StandardCharsets.UTF_8));
    }

    @Test
    void theCurlFlowStoresReadsAndDeletes() throws Exception {
        assertEquals(204, send("PUT", "/hello", "world").statusCode());
        HttpResponse<byte[]> got = send("GET", "/hello", (String) null);
        assertEquals(200, got.statusCode());
        assertEquals("world", new String(got.body(), StandardCharsets.UTF_8));
        assertEquals(204, send("DELETE", "/hello", (String) null).statusCode());
        assertJsonError(send("GET", "/hello", (String) null), 404, "NOT_FOUND");
        assertEquals(200, send("GET", "/health", (String) null).statusCode());
    }

    @Test
    void keysMayHoldAnyBytesThroughPercentEncoding() throws Exception {
        byte[] key = {'a', '/', 0, (byte) 0xff, ' ', '%'};
        assertEquals(204, send("PUT", "/a%2F%00%FF%20%25", "odd").statusCode());
        assertArrayEquals("odd".getBytes(StandardCharsets.UTF_8), kv.get(Key.wrap(key)).orElseThrow());
        JsonNode viaJson = json(send("GET", "/v1/kv/a%2F%00%FF%20%25?encoding=base64", (String) null));
        assertEquals(java.util.Base64.getEncoder().encodeToString(key), viaJson.get("key").asText());
        assertEquals(204, send("PUT", "/dir/with/slashes", "x").statusCode());
        assertEquals("x", new String(send("GET", "/dir/with/slashes", (String) null).body(), StandardCharsets.UTF_8));
    }

    @Test
    void compareAndPutSucceedsOnlyOnTheExpectedValue() throws Exception {
        JsonNode first = json(send("POST", "/v1/cas", "{\"key\": \"cas-k\", \"value\": \"1\"}"));
        assertTrue(first.get("succeeded").asBoolean());
        JsonNode again = json(send("POST", "/v1/cas", "{\"key\": \"cas-k\", \"value\": \"2\"}"));
        assertFalse(again.get("succeeded").asBoolean());
        assertEquals("1", again.get("previous").asText());
        JsonNode swap = json(send("POST", "/v1/cas", "{\"key\": \"cas-k\", \"expected\": \"1\", \"value\": \"2\"}"));
        assertTrue(swap.get("succeeded").asBoolean());
        JsonNode stale = json(send("POST", "/v1/cas", "{\"key\": \"cas-k\", \"expected\": \"1\", \"value\": \"3\"}"));
        assertFalse(stale.get("succeeded").asBoolean());
        assertEquals("2", json(send("GET", "/v1/kv/cas-k", (String) null)).get("value").asText());
    }

    @Test
    void batchesAndScansCrossRegions() throws Exception {
        StringBuilder puts = new StringBuilder("{\"put\": {");
        for (int i = 0; i < 900; i += 10) {
            puts.append(i == 0 ? "" : ",").append(String.format("\"k%03d\": \"v%d\"", i, i));
        }
        puts.append("}}");
        assertEquals(90, json(send("POST", "/v1/batch", puts.toString())).get("put").asInt());
        JsonNode got = json(send("POST", "/v1/batch", "{\"get\": [\"k000\", \"k450\", \"k890\", \"k891\"]}"));
        assertEquals("v450", got.get("get").get("k450").asText());
        assertTrue(got.get("get").get("k891").isNull());

        JsonNode range = json(send("GET", "/v1/scan?start=k250&end=k650&limit=1000", (String) null));
        assertEquals(40, range.get("count").asInt());
        assertEquals("k250", range.get("pairs").get(0).get("key").asText());
        JsonNode reverse = json(send("GET", "/v1/scan?prefix=k&limit=5&reverse=true", (String) null));
        assertEquals(List.of("k890", "k880", "k870", "k860", "k850"),
                List.of(reverse.get("pairs").get(0).get("key").asText(), reverse.get("pairs").get(1).get("key").asText(),
                        reverse.get("pairs").get(2).get("key").asText(), reverse.get("pairs").get(3).get("key").asText(),
                        reverse.get("pairs").get(4).get("key").asText()));
        JsonNode stale = json(send("GET", "/v1/scan?prefix=k8&consistency=stale&keys_only=true", (String) null));
        assertEquals(10, stale.get("count").asInt()); // k800 .. k890
        assertFalse(stale.get("pairs").get(0).has("value"));

        assertEquals(204, send("POST", "/v1/delete-range", "{\"start\": \"k200\", \"end\": \"k700\"}").statusCode());
        assertEquals(0, json(send("GET", "/v1/scan?start=k200&end=k700", (String) null)).get("count").asInt());
        assertEquals(90 - 50, json(send("GET", "/v1/scan?prefix=k&limit=1000", (String) null)).get("count").asInt());
    }

    @Test
    void badInputGetsA4xxWithAJsonBodyAndTheRouterKeepsServing() throws Exception {
        assertJsonError(send("PUT", "/big", new byte[64 * 1024 + 1]), 413, "BODY_TOO_LARGE");
        assertJsonError(send("POST", "/v1/cas", "{not json"), 400, "BAD_JSON");
        assertJsonError(send("POST", "/v1/cas", "[1, 2]"), 400, "BAD_JSON");
        assertJsonError(send("POST", "/v1/cas", "{\"key\": 5, \"value\": \"x\"}"), 400, "INVALID_ARGUMENT");
        assertJsonError(send("PUT", "/" + "k".repeat(5000), "v"), 400, "KEY_TOO_LARGE");
        assertJsonError(send("PUT", "/toolarge", new byte[40 * 1024]), 400, "VALUE_TOO_LARGE");
        assertJsonError(send("GET", "/v1/scan?limit=abc", (String) null), 400, "INVALID_ARGUMENT");
        assertJsonError(send("GET", "/v1/scan?limt=5", (String) null), 400, "INVALID_ARGUMENT");
        assertJsonError(send("GET", "/v1/scan?start=b&end=a", (String) null), 400, "INVALID_ARGUMENT");
        assertJsonError(send("GET", "/x?consistency=psychic", (String) null), 400, "INVALID_ARGUMENT");
        assertJsonError(send("GET", "/v1/nothing-here", (String) null), 404, "NOT_FOUND");
        assertJsonError(send("GET", "/v1/cas", (String) null), 405, "METHOD_NOT_ALLOWED");
        assertJsonError(send("PATCH", "/k", "v"), 405, "METHOD_NOT_ALLOWED");
        assertEquals(204, send("PUT", "/still-fine", "yes").statusCode());
        assertEquals("yes", new String(send("GET", "/still-fine", (String) null).body(), StandardCharsets.UTF_8));
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        assertEquals(204, send("PUT", "/pipe", "first").statusCode());
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", router.port())) {
            socket.setSoTimeout(20_000);
            // A scan across three regions takes several round trips; /health answers at once.
            String requests = "GET /v1/scan?prefix=k&limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /pipe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int scan = all.indexOf("\"pairs\"");
            int health = all.indexOf("\"status\"");
            int pipe = all.indexOf("first");
            assertTrue(scan >= 0 && health > scan && pipe > health, all);
        }
    }

    @Test
    void adminRequestsPassThroughToThePdFollowingItsRedirect() throws Exception {
        HttpResponse<byte[]> r = send("POST", "/v1/admin/regions/7/split?x=1", "{\"key\": \"m\"}");
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        JsonNode seen = json(r);
        assertEquals("/pd/api/v1/regions/7/split?x=1", seen.get("path").asText());
        assertEquals("POST", seen.get("method").asText());
        assertEquals("{\"key\": \"m\"}", seen.get("body").asText());
    }

    @Test
    void withoutAPdAddressTheAdminRoutesSay503() throws Exception {
        RouterConfig none = RouterConfig.DEFAULTS.withPort(0).withPdHttpEndpoints(List.of());
        try (RouterServer bare = RouterServer.start(none, kv)) {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bare.port()
                    + "/v1/admin/stores")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertJsonError(r, 503, "NO_PD");
        }
    }
}
