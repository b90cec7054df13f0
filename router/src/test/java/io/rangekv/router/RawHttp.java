package io.rangekv.router;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, byte for byte, so a test can send what no HTTP client would (bad request lines,
 * broken headers, truncated bodies). Each exchange is one connection; reading waits at most {@link #TIMEOUT_MS},
 * so a server that never answers fails the test instead of hanging it.
 */
final class RawHttp {
    static final int TIMEOUT_MS = 10_000;

    /** What came back: a status (0 when the server closed without answering), the headers' text and the body. */
    record Response(int status, String head, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String contentType() {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-type")) {
                    return line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                }
            }
            return "";
        }

        @Override
        public String toString() {
            return status + " " + bodyText();
        }
    }

    private RawHttp() {
    }

    /**
     * Sends {@code request} and reads until the server closes. With {@code halfClose} the client then shuts its
     * side (a peer that stopped mid-request); otherwise the request should carry {@code Connection: close}.
     */
    static Response exchange(int port, byte[] request, boolean halfClose) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(TIMEOUT_MS);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            if (halfClose) {
                socket.shutdownOutput();
            }
            byte[] all = readUntilClosedOrAnswered(socket.getInputStream());
            return parse(all);
        }
    }

    /** Reads one whole response (by Content-Length) or until EOF; a read timeout is a hang and fails. */
    private static byte[] readUntilClosedOrAnswered(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer and no close within " + TIMEOUT_MS + " ms; got so far: "
                        + out.toString(StandardCharsets.ISO_8859_1));
            } catch (java.net.SocketException e) {
                return out.toByteArray(); // reset by the server: it closed, which is an answer too
            }
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(buf, 0, n);
            byte[] sofar = out.toByteArray();
            int end = headEnd(sofar);
            if (end >= 0) {
                long length = contentLength(new String(sofar, 0, end, StandardCharsets.ISO_8859_1));
                if (length >= 0 && sofar.length >= end + 4 + length) {
                    return sofar;
                }
            }
        }
    }

    private static int headEnd(byte[] b) {
        for (int i = 0; i + 3 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return -1;
    }

    static Response parse(byte[] all) {
        int end = headEnd(all);
        if (all.length == 0 || end < 0) {
            return new Response(0, new String(all, StandardCharsets.ISO_8859_1), new byte[0]);
        }
        String head = new String(all, 0, end, StandardCharsets.ISO_8859_1);
        String[] statusLine = head.split("\r\n", 2)[0].split(" ");
        int status = statusLine.length > 1 && statusLine[0].startsWith("HTTP/") ? Integer.parseInt(statusLine[1]) : -1;
        long length = contentLength(head);
        int from = end + 4;
        int to = length < 0 ? all.length : (int) Math.min(all.length, from + length);
        return new Response(status, head, java.util.Arrays.copyOfRange(all, from, to));
    }

    /** A request with {@code Connection: close} and a Content-Length matching {@code body}. */
    static byte[] request(String method, String target, String extraHeaders, byte[] body) {
        String head = method + " " + target + " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n" + extraHeaders
                + (body.length > 0 ? "Content-Length: " + body.length + "\r\n" : "") + "\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }
}
