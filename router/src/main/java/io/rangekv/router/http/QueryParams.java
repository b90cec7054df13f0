package io.rangekv.router.http;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A request's query parameters, percent-decoded ('+' is a space, as in forms). Unknown parameters are refused, so a
 * typo ({@code limt=5}) is a 400 rather than silently ignored.
 */
public final class QueryParams {
    private final Map<String, byte[]> values;

    private QueryParams(Map<String, byte[]> values) {
        this.values = values;
    }

    public static QueryParams parse(String rawQuery, Set<String> allowed) {
        Map<String, byte[]> values = new HashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = new String(KeyCodec.percentDecode(eq < 0 ? pair : pair.substring(0, eq)),
                        StandardCharsets.UTF_8);
                if (!allowed.contains(name)) {
                    throw HttpError.badRequest("unknown query parameter '" + name + "'; allowed: " + allowed);
                }
                String raw = eq < 0 ? "" : pair.substring(eq + 1).replace('+', ' ');
                values.put(name, KeyCodec.percentDecode(raw));
            }
        }
        return new QueryParams(values);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public byte[] bytes(String name) {
        return values.get(name);
    }

    public String string(String name, String defaultValue) {
        byte[] v = values.get(name);
        return v == null ? defaultValue : new String(v, StandardCharsets.UTF_8);
    }

    public int integer(String name, int defaultValue, int min, int max) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw HttpError.badRequest(name + " must be an integer in [" + min + ", " + max + "], not '" + v + "'");
        }
    }

    public boolean bool(String name) {
        String v = string(name, null);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase()) {
            case "", "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw HttpError.badRequest(name + " must be true or false, not '" + v + "'");
        };
    }
}
