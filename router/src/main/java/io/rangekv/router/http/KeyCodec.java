package io.rangekv.router.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Keys and values at the HTTP edge. In a path, a key is the percent-decoded bytes of the raw path segment after
 * the route's prefix, so any byte string can be a key ({@code %2F} is a '/' inside the key, {@code %00} a zero
 * byte; a literal '/' is part of the key too). In JSON and query parameters, keys and values are UTF-8 text, or
 * base64 when the request says {@code encoding=base64}.
 */
public final class KeyCodec {
    private KeyCodec() {
    }

    /** How keys and values are written in a JSON body or query parameter. */
    public enum Encoding {
        UTF8, BASE64;

        public static Encoding parse(String text) {
            if (text == null || text.isEmpty() || text.equalsIgnoreCase("utf8") || text.equalsIgnoreCase("utf-8")) {
                return UTF8;
            }
            if (text.equalsIgnoreCase("base64")) {
                return BASE64;
            }
            throw HttpError.badRequest("encoding must be utf8 or base64, not '" + text + "'");
        }

        public byte[] decode(String text) {
            if (this == UTF8) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            try {
                return Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw HttpError.badRequest("not valid base64: '" + text + "'");
            }
        }

        public String encode(byte[] bytes) {
            return this == UTF8 ? new String(bytes, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(bytes);
        }
    }

    /** Percent-decodes a raw path (or query component) into bytes; '+' stays '+'. */
    public static byte[] percentDecode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw HttpError.badRequest("a '%' must be followed by two hex digits: '" + raw + "'");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw HttpError.badRequest("a '%' must be followed by two hex digits: '" + raw + "'");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(utf8, 0, utf8.length);
            }
        }
        return out.toByteArray();
    }
}
