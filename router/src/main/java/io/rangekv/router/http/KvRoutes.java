package io.rangekv.router.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rangekv.client.AsyncKvClient;
import io.rangekv.client.CasResult;
import io.rangekv.client.KvPair;
import io.rangekv.client.ScanOptions;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.router.RouterConfig;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The data routes, each a call on {@link AsyncKvClient} and a reply built when it completes (never blocking an
 * event loop):
 * <pre>
 * GET|PUT|DELETE /{key}                      metcd-compatible: raw value bytes in and out, 404 when missing
 * GET|PUT|DELETE /v1/kv/{key}                JSON: {"key", "value"}; PUT takes the raw body as the value
 * POST /v1/cas                               {"key", "expected" (null or absent: put-if-absent), "value"}
 * POST /v1/batch                             {"get": [k...], "put": {k: v...}, "delete": [k...]}
 * GET  /v1/scan?prefix=|start=&end=  &limit=&reverse=&keys_only=
 * POST /v1/delete-range                      {"start", "end"} (one may be absent: unbounded that side), or
 *                                            {"all": true} for every key; {} is refused, never "everything"
 * </pre>
 * Reads take {@code consistency=linearizable|lease|follower|stale}; JSON keys and values take
 * {@code encoding=utf8|base64} (query or body field).
 */
final class KvRoutes {
    private static final Set<String> READ_PARAMS = Set.of("consistency", "encoding");
    private static final Set<String> SCAN_PARAMS = Set.of("consistency", "encoding", "prefix", "start", "end", "limit",
            "reverse", "keys_only");
    private static final int MAX_SCAN_LIMIT = 10_000;
    private static final Set<String> DELETE_RANGE_FIELDS = Set.of("start", "end", "all", "encoding");

    private final AsyncKvClient kv;
    private final RouterConfig config;

    KvRoutes(AsyncKvClient kv, RouterConfig config) {
        this.kv = kv;
        this.config = config;
    }

    /** metcd-compatible: the path is the key, the body the value. */
    CompletableFuture<HttpReply> raw(String method, String rawKeyPath, String rawQuery, byte[] body) {
        Key key = key(KeyCodec.percentDecode(rawKeyPath));
        return switch (method) {
            case "GET", "HEAD" -> {
                ReadConsistency c = consistency(QueryParams.parse(rawQuery, READ_PARAMS));
                yield kv.get(key, c).thenApply(v -> v.map(HttpReply::bytes).orElseGet(() -> notFound(key)));
            }
            case "PUT", "POST" -> {
                QueryParams.parse(rawQuery, Set.of());
                yield kv.put(key, value(body)).thenApply(v -> HttpReply.noContent());
            }
            case "DELETE" -> {
                QueryParams.parse(rawQuery, Set.of());
                yield kv.delete(key).thenApply(v -> HttpReply.noContent());
            }
            default -> throw methodNotAllowed(method, "GET, PUT, DELETE");
        };
    }

    /** {@code /v1/kv/{key}}: like {@link #raw} but GET answers JSON. */
    CompletableFuture<HttpReply> kv(String method, String rawKeyPath, String rawQuery, byte[] body) {
        if (!method.equals("GET")) {
            return raw(method, rawKeyPath, rawQuery, body);
        }
        QueryParams q = QueryParams.parse(rawQuery, READ_PARAMS);
        KeyCodec.Encoding encoding = KeyCodec.Encoding.parse(q.string("encoding", null));
        Key key = key(KeyCodec.percentDecode(rawKeyPath));
        return kv.get(key, consistency(q)).thenApply(v -> v.map(value -> {
            ObjectNode out = HttpReply.JSON.createObjectNode();
            out.put("key", encoding.encode(key.toBytes()));
            out.put("value", encoding.encode(value));
            return HttpReply.json(200, out);
        }).orElseGet(() -> notFound(key)));
    }

    CompletableFuture<HttpReply> cas(String method, String rawQuery, byte[] body) {
        requirePost(method);
        JsonBody json = JsonBody.parse(body, encoding(rawQuery));
        Key key = key(json.bytes("key"));
        byte[] expected = json.optionalBytes("expected");
        byte[] value = value(json.bytes("value"));
        CompletableFuture<CasResult> result = expected == null ? kv.putIfAbsent(key, value)
                : kv.compareAndPut(key, expected, value);
        return result.thenApply(r -> {
            ObjectNode out = HttpReply.JSON.createObjectNode().put("succeeded", r.succeeded());
            Optional<byte[]> previous = r.previous();
            if (previous.isPresent()) {
                out.put("previous", json.encoding().encode(previous.get()));
            } else {
                out.putNull("previous");
            }
            return HttpReply.json(200, out);
        });
    }

    CompletableFuture<HttpReply> batch(String method, String rawQuery, byte[] body) {
        requirePost(method);
        QueryParams q = QueryParams.parse(rawQuery, READ_PARAMS);
        JsonBody json = JsonBody.parse(body, KeyCodec.Encoding.parse(q.string("encoding", null)));
        List<Key> gets = keys(json, "get");
        List<Key> deletes = keys(json, "delete");
        Map<Key, byte[]> puts = new LinkedHashMap<>();
        JsonNode putNode = json.node("put");
        if (putNode != null && !putNode.isNull()) {
            if (!putNode.isObject()) {
                throw HttpError.badRequest("'put' must be an object of key: value");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = putNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                puts.put(key(json.encoding().decode(e.getKey())), value(json.decode(e.getValue(), "a put value")));
            }
        }
        if (gets.isEmpty() && deletes.isEmpty() && puts.isEmpty()) {
            throw HttpError.badRequest("a batch needs at least one of 'get', 'put', 'delete'");
        }
        CompletableFuture<Void> writes = CompletableFuture.allOf(
                puts.isEmpty() ? CompletableFuture.completedFuture(null) : kv.batchPut(puts),
                deletes.isEmpty() ? CompletableFuture.completedFuture(null) : kv.batchDelete(deletes));
        ReadConsistency c = consistency(q);
        return writes.thenCompose(v -> gets.isEmpty() ? CompletableFuture.completedFuture(Map.<Key, byte[]>of())
                : kv.batchGet(gets, c)).thenApply(found -> {
                    ObjectNode out = HttpReply.JSON.createObjectNode();
                    ObjectNode values = out.putObject("get");
                    for (Key k : gets) {
                        byte[] v = found.get(k);
                        String name = json.encoding().encode(k.toBytes());
                        if (v == null) {
                            values.putNull(name);
                        } else {
                            values.put(name, json.encoding().encode(v));
                        }
                    }
                    out.put("put", puts.size()).put("deleted", deletes.size());
                    return HttpReply.json(200, out);
                });
    }

    CompletableFuture<HttpReply> scan(String method, String rawQuery) {
        if (!method.equals("GET")) {
            throw methodNotAllowed(method, "GET");
        }
        QueryParams q = QueryParams.parse(rawQuery, SCAN_PARAMS);
        KeyCodec.Encoding encoding = KeyCodec.Encoding.parse(q.string("encoding", null));
        ScanOptions options;
        if (q.has("prefix")) {
            if (q.has("start") || q.has("end")) {
                throw HttpError.badRequest("give either prefix or start/end, not both");
            }
            options = ScanOptions.prefix(key(encoding.decode(q.string("prefix", ""))));
        } else {
            Key start = q.has("start") ? key(encoding.decode(q.string("start", ""))) : Key.EMPTY;
            Key end = q.has("end") ? key(encoding.decode(q.string("end", ""))) : Key.EMPTY;
            if (!end.isEmpty() && end.compareTo(start) <= 0) {
                throw HttpError.badRequest("end must be above start");
            }
            options = ScanOptions.range(start, end);
        }
        options = options.withLimit(q.integer("limit", 100, 1, MAX_SCAN_LIMIT)).withConsistency(consistency(q));
        if (q.bool("reverse")) {
            options = options.reversed();
        }
        boolean keysOnly = q.bool("keys_only");
        if (keysOnly) {
            options = options.withKeysOnly();
        }
        return kv.scan(options).thenApply(pairs -> {
            ObjectNode out = HttpReply.JSON.createObjectNode();
            ArrayNode list = out.putArray("pairs");
            for (KvPair p : pairs) {
                ObjectNode n = list.addObject().put("key", encoding.encode(p.key().toBytes()));
                if (!keysOnly) {
                    n.put("value", encoding.encode(p.value()));
                }
            }
            out.put("count", pairs.size());
            return HttpReply.json(200, out);
        });
    }

    /**
     * {@code {"start", "end"}} (one bound may be absent: from the first key, or to the last), or {@code {"all": true}}
     * for every key. A body with neither bound nor the flag is refused rather than read as "everything": {@code {}}
     * used to delete the whole key space (hazard 9). Unknown fields are refused too, so a misspelt {@code "end"}
     * cannot silently widen the delete to the end of the key space.
     */
    CompletableFuture<HttpReply> deleteRange(String method, String rawQuery, byte[] body) {
        requirePost(method);
        JsonBody json = JsonBody.parse(body, encoding(rawQuery));
        json.requireOnly(DELETE_RANGE_FIELDS);
        boolean all = json.flag("all");
        boolean hasStart = json.has("start");
        boolean hasEnd = json.has("end") && !json.node("end").isNull();
        if (all) {
            if (hasStart || hasEnd) {
                throw HttpError.badRequest("give either {\"all\": true} or \"start\"/\"end\", not both");
            }
            return kv.deleteAll().thenApply(v -> HttpReply.noContent());
        }
        if (!hasStart && !hasEnd) {
            throw HttpError.badRequest("delete-range needs \"start\" and/or \"end\" (an absent range is not read as"
                    + " every key); to delete every key on purpose, send {\"all\": true}");
        }
        Key start = hasStart ? key(json.bytes("start")) : Key.EMPTY;
        Key end = hasEnd ? key(json.bytes("end")) : Key.EMPTY;
        if (!end.isEmpty() && end.compareTo(start) <= 0) {
            throw HttpError.badRequest("end must be above start");
        }
        return kv.deleteRange(new KeyRange(start, end)).thenApply(v -> HttpReply.noContent());
    }

    private List<Key> keys(JsonBody json, String field) {
        JsonNode n = json.node(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw HttpError.badRequest("'" + field + "' must be an array of keys");
        }
        List<Key> keys = new ArrayList<>();
        n.forEach(k -> keys.add(key(json.decode(k, "a key in '" + field + "'"))));
        return keys;
    }

    private static KeyCodec.Encoding encoding(String rawQuery) {
        return KeyCodec.Encoding.parse(QueryParams.parse(rawQuery, Set.of("encoding")).string("encoding", null));
    }

    private Key key(byte[] bytes) {
        if (bytes.length == 0) {
            throw HttpError.badRequest("the key is empty");
        }
        if (bytes.length > config.maxKeySize().bytes()) {
            throw new HttpError(400, "KEY_TOO_LARGE", "the key has " + bytes.length + " bytes; at most "
                    + config.maxKeySize().bytes() + " are allowed");
        }
        return Key.wrap(bytes);
    }

    private byte[] value(byte[] bytes) {
        if (bytes.length > config.maxValueSize().bytes()) {
            throw new HttpError(400, "VALUE_TOO_LARGE", "the value has " + bytes.length + " bytes; at most "
                    + config.maxValueSize().bytes() + " are allowed");
        }
        return bytes;
    }

    private static ReadConsistency consistency(QueryParams q) {
        String c = q.string("consistency", "linearizable");
        try {
            return ReadConsistency.valueOf(c.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("consistency must be linearizable, lease, follower or stale, not '" + c + "'");
        }
    }

    private static HttpReply notFound(Key key) {
        return HttpReply.error(new HttpError(404, "NOT_FOUND", "no value for key " + key));
    }

    private static void requirePost(String method) {
        if (!method.equals("POST")) {
            throw methodNotAllowed(method, "POST");
        }
    }

    static HttpError methodNotAllowed(String method, String allowed) {
        return new HttpError(405, "METHOD_NOT_ALLOWED", method + " is not allowed here; use " + allowed);
    }
}
