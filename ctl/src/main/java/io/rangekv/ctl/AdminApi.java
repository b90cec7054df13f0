package io.rangekv.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The PD's HTTP admin API as {@code ctl} uses it: tries each PD member in turn until one answers (followers
 * redirect to the leader); a 4xx/5xx answer becomes a {@link CtlException} carrying the PD's message.
 */
public final class AdminApi {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> endpoints;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(3)).build();

    public AdminApi(List<String> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    public JsonNode post(String path, JsonNode body) {
        return send("POST", path, body);
    }

    private JsonNode send(String method, String path, JsonNode body) {
        IOException last = null;
        for (String endpoint : endpoints) {
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + endpoint + "/pd/api/v1" + path))
                        .timeout(Duration.ofSeconds(90))
                        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body.toString()))
                        .header("Content-Type", "application/json").build();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                JsonNode json = JSON.readTree(response.body());
                if (response.statusCode() >= 400) {
                    JsonNode error = json.path("error");
                    throw new CtlException(error.path("kind").asText("HTTP_" + response.statusCode()) + ": "
                            + error.path("message").asText(response.body()));
                }
                return json;
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CtlException("interrupted");
            }
        }
        throw new CtlException("no PD admin endpoint answered " + endpoints + ": " + last);
    }
}
