package io.rangekv.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an annotated config template ({@code deploy/config/*.conf}), where every key is listed commented out with
 * its default: {@code # key = value}. Tests use it to keep each template equal to the code's defaults.
 */
public final class ConfigTemplate {
    private static final Pattern COMMENTED_KEY = Pattern.compile("^# ([a-z0-9.-]+) =\\s*(.*)$");

    private ConfigTemplate() {
    }

    /** Every commented-out {@code key = default} of the template. */
    public static Map<String, String> commentedDefaults(Path template) throws IOException {
        Map<String, String> defaults = new TreeMap<>();
        for (String line : Files.readAllLines(template)) {
            Matcher m = COMMENTED_KEY.matcher(line);
            if (m.matches()) {
                defaults.put(m.group(1), m.group(2).trim());
            }
        }
        return defaults;
    }
}
