package io.rangekv.ctl;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Renders the admin API's JSON lists as aligned text tables; {@code --json} prints the JSON itself instead. */
final class Tables {
    private Tables() {
    }

    record Column(String title, Function<JsonNode, String> value) {
    }

    static String render(JsonNode rows, List<Column> columns) {
        List<String[]> lines = new ArrayList<>();
        lines.add(columns.stream().map(Column::title).toArray(String[]::new));
        for (JsonNode row : rows) {
            lines.add(columns.stream().map(c -> c.value().apply(row)).toArray(String[]::new));
        }
        int[] widths = new int[columns.size()];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                sb.append(i == line.length - 1 ? line[i] : String.format("%-" + widths[i] + "s  ", line[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String peers(JsonNode region) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : region.path("peers")) {
            boolean leads = region.path("leader").path("peer_id").asLong(-1) == p.path("peer_id").asLong();
            out.add((leads ? "*" : "") + p.path("store_id").asText()
                    + (p.path("role").asText().equals("LEARNER") ? "(learner)" : ""));
        }
        return String.join(",", out);
    }

    static String range(JsonNode region) {
        String start = region.path("start_key").asText();
        String end = region.path("end_key").asText();
        return "[" + (start.isEmpty() ? "-inf" : start) + ", " + (end.isEmpty() ? "+inf" : end) + ")";
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", n / 1024.0 / 1024);
        }
        return String.format("%.1f GiB", n / 1024.0 / 1024 / 1024);
    }
}
