package io.rangekv.router.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/** What the router answers: a status, a content type, a body and extra headers. */
public record HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static final ObjectMapper JSON = new ObjectMapper();

    public static HttpReply json(int status, JsonNode body) {
        try {
            return new HttpReply(status, "application/json", JSON.writeValueAsBytes(body), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static HttpReply bytes(byte[] body) {
        return new HttpReply(200, "application/octet-stream", body, Map.of());
    }

    public static HttpReply noContent() {
        return new HttpReply(204, "application/json", new byte[0], Map.of());
    }

    /** The JSON error body every failure carries: {@code {"error": {"kind": ..., "message": ...}}}. */
    public static HttpReply error(Throwable error) {
        HttpErrorMapper.Mapped m = HttpErrorMapper.map(error);
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("kind", m.kind()).put("message", m.message());
        HttpReply reply = json(m.status(), body);
        return m.retryAfter() ? new HttpReply(reply.status, reply.contentType, reply.body, Map.of("Retry-After", "1"))
                : reply;
    }
}
