package io.rangekv.router.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/** A request's JSON body, with errors that name the field. */
final class JsonBody {
    private final JsonNode root;
    private final KeyCodec.Encoding encoding;

    private JsonBody(JsonNode root, KeyCodec.Encoding encoding) {
        this.root = root;
        this.encoding = encoding;
    }

    /** Parses {@code body}: a JSON object; its {@code encoding} field (or the query's) says how keys are written. */
    static JsonBody parse(byte[] body, KeyCodec.Encoding queryEncoding) {
        JsonNode root;
        try {
            root = body.length == 0 ? null : HttpReply.JSON.readTree(body);
        } catch (IOException e) {
            throw new HttpError(400, "BAD_JSON", "the body is not valid JSON: " + e.getMessage().lines()
                    .findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new HttpError(400, "BAD_JSON", "the body must be a JSON object");
        }
        KeyCodec.Encoding encoding = root.hasNonNull("encoding")
                ? KeyCodec.Encoding.parse(root.get("encoding").asText()) : queryEncoding;
        return new JsonBody(root, encoding);
    }

    KeyCodec.Encoding encoding() {
        return encoding;
    }

    JsonNode node(String field) {
        return root.get(field);
    }

    boolean has(String field) {
        return root.has(field);
    }

    /** An optional boolean field: false when absent or JSON null; anything but true/false is refused. */
    boolean flag(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw HttpError.badRequest("'" + field + "' must be true or false");
        }
        return n.booleanValue();
    }

    /** Refuses a field not in {@code allowed}, so a misspelt field is a 400 rather than silently ignored. */
    void requireOnly(java.util.Set<String> allowed) {
        for (java.util.Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw HttpError.badRequest("unknown field '" + name + "'; allowed: " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    /** A required text field, decoded with the body's encoding. */
    byte[] bytes(String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual()) {
            throw HttpError.badRequest("'" + field + "' must be a string");
        }
        return encoding.decode(n.asText());
    }

    /** An optional text field: null when absent or JSON null. */
    byte[] optionalBytes(String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : bytes(field);
    }

    byte[] decode(JsonNode n, String what) {
        if (n == null || !n.isTextual()) {
            throw HttpError.badRequest(what + " must be a string");
        }
        return encoding.decode(n.asText());
    }
}
