package io.rangekv.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.RequestException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.store.cluster.StoreDiscoveryPdClient;
import io.rangekv.store.cluster.TestCluster;
import io.rangekv.store.engine.EngineKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hazard 9: {@code POST /v1/delete-range} with {@code {}} used to answer 204 and delete every key, because an absent
 * range meant the whole key space. A whole-keyspace delete now needs {@code {"all": true}}; a body without bounds
 * (or with a misspelt one) is a 400 that says so, and deletes nothing. The SDK's {@code deleteRange(KeyRange.ALL)}
 * is refused the same way; {@code deleteAll()} is the explicit call.
 */
class DeleteRangeGuardIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> KEYS = List.of("a", "guard-1", "guard-2", "zzz");

    @TempDir
    static Path dir;
    private static TestCluster cluster;
    private static StoreDiscoveryPdClient pd;
    private static KvClient kv;
    private static RouterServer router;

    @BeforeAll
    static void start() {
        // One store is enough: the guard sits in the router, before any region is asked.
        cluster = TestCluster.builder().dataDir(dir).stores(1).engine(EngineKind.MEMORY).start();
        pd = new StoreDiscoveryPdClient(cluster::liveStores);
        kv = new KvClient(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(20)), pd);
        router = RouterServer.start(RouterConfig.DEFAULTS.withPort(0).withPdHttpEndpoints(List.of()), kv);
    }

    @AfterAll
    static void stop() {
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
    }

    @BeforeEach
    void putKeys() {
        KEYS.forEach(k -> kv.put(Key.of(k), k.getBytes(StandardCharsets.UTF_8)));
    }

    private static HttpResponse<byte[]> deleteRange(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/v1/delete-range"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void assertEveryKeySurvives() {
        for (String k : KEYS) {
            assertArrayEquals(k.getBytes(StandardCharsets.UTF_8), kv.get(Key.of(k)).orElse(null), "key " + k);
        }
    }

    private static JsonNode assertRefused(HttpResponse<byte[]> r) throws Exception {
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(400, r.statusCode(), text);
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("INVALID_ARGUMENT", error.get("kind").asText(), text);
        return error;
    }

    @Test
    void anEmptyBodyIsRefusedAndDeletesNothing() throws Exception {
        JsonNode error = assertRefused(deleteRange("{}"));
        // The message tells how to delete everything on purpose.
        assertTrue(error.get("message").asText().contains("{\"all\": true}"), error.toString());
        assertEveryKeySurvives();
    }

    @Test
    void bodiesWithoutABoundAreRefusedAndDeleteNothing() throws Exception {
        for (String body : List.of("{\"end\": null}", "{\"strat\": \"a\"}", "{\"encoding\": \"utf8\"}",
                "{\"all\": false}", "{\"all\": \"true\"}", "{\"all\": 1}", "{\"all\": true, \"end\": \"m\"}",
                "{\"start\": \"a\", \"ned\": \"b\"}")) {
            assertRefused(deleteRange(body));
        }
        assertEveryKeySurvives();
    }

    @Test
    void aBoundedRangeStillDeletesOnlyItsKeys() throws Exception {
        assertEquals(204, deleteRange("{\"start\": \"guard-\", \"end\": \"guard-9\"}").statusCode());
        assertTrue(kv.get(Key.of("guard-1")).isEmpty());
        assertTrue(kv.get(Key.of("guard-2")).isEmpty());
        assertTrue(kv.get(Key.of("a")).isPresent());
        assertTrue(kv.get(Key.of("zzz")).isPresent());
        // One bound alone is explicit enough: from "z" to the end of the key space.
        assertEquals(204, deleteRange("{\"start\": \"z\"}").statusCode());
        assertTrue(kv.get(Key.of("zzz")).isEmpty());
        assertTrue(kv.get(Key.of("a")).isPresent());
    }

    @Test
    void anExplicitAllDeletesEveryKey() throws Exception {
        assertEquals(204, deleteRange("{\"all\": true}").statusCode());
        for (String k : KEYS) {
            assertTrue(kv.get(Key.of(k)).isEmpty(), "key " + k);
        }
    }

    @Test
    void theSdkRefusesAnUnboundedRangeAndDeletesEverythingOnlyWhenAsked() {
        RequestException refused = assertThrows(RequestException.class, () -> kv.deleteRange(KeyRange.ALL));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refused.kind());
        assertTrue(refused.getMessage().contains("deleteAll()"), refused.getMessage());
        assertThrows(RequestException.class, () -> kv.deleteRange(new KeyRange(Key.EMPTY, Key.EMPTY)));
        assertEveryKeySurvives();
        kv.deleteAll();
        for (String k : KEYS) {
            assertTrue(kv.get(Key.of(k)).isEmpty(), "key " + k);
        }
    }
}
