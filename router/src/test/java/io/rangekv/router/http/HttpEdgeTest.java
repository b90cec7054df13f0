package io.rangekv.router.http;

import io.rangekv.error.ErrorKind;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Key decoding, query parameters and the error-to-status mapping, without a server. */
class HttpEdgeTest {
    @Test
    void percentDecodingKeepsEveryByte() {
        assertArrayEquals(new byte[] {'a', '/', 0, (byte) 0xff, '+'}, KeyCodec.percentDecode("a%2F%00%ff+"));
        assertArrayEquals("é".getBytes(java.nio.charset.StandardCharsets.UTF_8), KeyCodec.percentDecode("é"));
        assertEquals(400, assertThrows(HttpError.class, () -> KeyCodec.percentDecode("bad%zz")).status());
        assertEquals(400, assertThrows(HttpError.class, () -> KeyCodec.percentDecode("cut%4")).status());
    }

    @Test
    void encodingsRoundTripAndRejectNonsense() {
        byte[] raw = {0, 1, (byte) 200};
        KeyCodec.Encoding b64 = KeyCodec.Encoding.parse("base64");
        assertArrayEquals(raw, b64.decode(b64.encode(raw)));
        assertEquals(KeyCodec.Encoding.UTF8, KeyCodec.Encoding.parse(null));
        assertThrows(HttpError.class, () -> KeyCodec.Encoding.parse("rot13"));
        assertThrows(HttpError.class, () -> b64.decode("***"));
    }

    @Test
    void queryParametersAreCheckedByName() {
        QueryParams q = QueryParams.parse("limit=5&reverse&prefix=a+b%2Fc", Set.of("limit", "reverse", "prefix"));
        assertEquals(5, q.integer("limit", 100, 1, 10));
        assertTrue(q.bool("reverse"));
        assertEquals("a b/c", q.string("prefix", null));
        assertThrows(HttpError.class, () -> q.integer("limit", 100, 6, 10));
        assertThrows(HttpError.class, () -> QueryParams.parse("limt=5", Set.of("limit")));
        assertFalse(QueryParams.parse(null, Set.of()).has("x"));
    }

    @Test
    void errorsMapToStatusesInOnePlace() {
        assertEquals(400, HttpErrorMapper.map(new RequestException(ErrorKind.KEY_TOO_LARGE, "k")).status());
        assertEquals(504, HttpErrorMapper.map(new RequestException(ErrorKind.DEADLINE_EXCEEDED, "d")).status());
        HttpErrorMapper.Mapped unknown = HttpErrorMapper.map(new CompletionException(
                new UnknownResultException(1, "maybe", null)));
        assertEquals(504, unknown.status());
        assertEquals("UNKNOWN_RESULT", unknown.kind());
        HttpErrorMapper.Mapped busy = HttpErrorMapper.map(RetryableException.serverBusy(Duration.ZERO, "busy"));
        assertEquals(503, busy.status());
        assertTrue(busy.retryAfter());
        assertEquals(404, HttpErrorMapper.map(new HttpError(404, "NOT_FOUND", "x")).status());
        assertEquals(500, HttpErrorMapper.map(new IllegalStateException("bug")).status());
    }
}
