package io.rangekv.systest.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The harness's only line to the cluster's network: a Unix domain socket served by the workload client, which runs
 * inside the client namespace (see {@link ChaosClientMain}). A Unix socket is a file, not a network address, so the
 * harness in the root namespace reaches it without any test address existing there. One request per connection: a
 * JSON object, then the JSON answer. Requests: {@code http} (the client performs a PD admin call from inside the test
 * network and returns status and body), {@code start}, {@code stop}, {@code final-read}, {@code exit}.
 */
final class ClientLink {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;

    ClientLink(Path socket) {
        this.socket = socket;
    }

    /** The answer of one PD admin call; {@code status} -1 when no PD member answered (the error says why). */
    record HttpAnswer(int status, String body, String error) {
        JsonNode json() {
            try {
                return body == null || body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (IOException e) {
                return JSON.createObjectNode().put("unparsed", body);
            }
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }

        @Override
        public String toString() {
            return status + (error != null ? " " + error : "") + " " + (body == null ? "" : body.length() > 300
                    ? body.substring(0, 300) + "..." : body);
        }
    }

    HttpAnswer get(String path) {
        return http("GET", path, null);
    }

    HttpAnswer post(String path, String body) {
        return http("POST", path, body);
    }

    private HttpAnswer http(String method, String path, String body) {
        ObjectNode req = JSON.createObjectNode().put("op", "http").put("method", method).put("path", path);
        if (body != null) {
            req.put("body", body);
        }
        try {
            JsonNode r = call(req, java.time.Duration.ofSeconds(60));
            return new HttpAnswer(r.path("status").asInt(-1), r.path("body").asText(null),
                    r.hasNonNull("error") ? r.get("error").asText() : null);
        } catch (IOException e) {
            return new HttpAnswer(-1, null, "client link: " + e.getMessage());
        }
    }

    /** Sends one request and returns the answer, within 10 minutes (the final read's worst case). */
    JsonNode call(ObjectNode request) throws IOException {
        return call(request, java.time.Duration.ofMinutes(10));
    }

    /**
     * Sends one request and returns the answer; a client that has not answered within {@code timeout} (hung, or
     * paused by mistake) fails the call instead of hanging the harness: the channel is closed under the reader.
     */
    JsonNode call(ObjectNode request, java.time.Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        java.util.concurrent.ScheduledFuture<?> guard = TIMER.schedule(() -> {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is all we can do
            }
        }, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        try (ch) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(ch);
            out.write(JSON.writeValueAsBytes(request));
            out.flush();
            ch.shutdownOutput();
            InputStream in = Channels.newInputStream(ch);
            return JSON.readTree(in.readAllBytes());
        } catch (java.nio.channels.AsynchronousCloseException e) {
            throw new IOException("the client did not answer " + request.path("op").asText() + " within "
                    + timeout.toSeconds() + " s", e);
        } finally {
            guard.cancel(false);
        }
    }

    private static final java.util.concurrent.ScheduledExecutorService TIMER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "client-link-timeout");
                t.setDaemon(true);
                return t;
            });

    boolean reachable() {
        try {
            return call(JSON.createObjectNode().put("op", "ping")).path("ok").asBoolean();
        } catch (IOException e) {
            return false;
        }
    }
}
