package io.rangekv.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flat {@code key = value} settings read from a config file (Java properties syntax, kebab-case dotted keys, units in
 * the value: {@code 500ms}, {@code 64MB}). Config records read their fields through it; every parse error names the
 * offending key. {@link #unusedKeys()} lets a loader reject typos instead of silently ignoring them.
 *
 * <p>Not thread-safe: used by one thread while a config is built.
 */
public final class Settings {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private final Map<String, String> values;
    private final Set<String> read = new HashSet<>();

    public Settings(Map<String, String> values) {
        this.values = new TreeMap<>(values);
    }

    public static Settings empty() {
        return new Settings(Map.of());
    }

    public static Settings load(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        }
        Map<String, String> map = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k).trim()));
        return new Settings(map);
    }

    /** These settings with {@code overrides} on top (flags over the file). */
    public Settings with(Map<String, String> overrides) {
        Map<String, String> merged = new TreeMap<>(values);
        merged.putAll(overrides);
        return new Settings(merged);
    }

    public String getString(String key, String defaultValue) {
        return get(key, Function.identity(), defaultValue);
    }

    public int getInt(String key, int defaultValue) {
        return get(key, Integer::parseInt, defaultValue);
    }

    public long getLong(String key, long defaultValue) {
        return get(key, Long::parseLong, defaultValue);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return get(key, Settings::parseBoolean, defaultValue);
    }

    public Duration getDuration(String key, Duration defaultValue) {
        return get(key, Settings::parseDuration, defaultValue);
    }

    public DataSize getDataSize(String key, DataSize defaultValue) {
        return get(key, DataSize::parse, defaultValue);
    }

    /** Keys present but never read: most likely typos. */
    public Set<String> unusedKeys() {
        Set<String> unused = new TreeMap<>(values).keySet();
        unused.removeAll(read);
        return Collections.unmodifiableSet(unused);
    }

    /** Every key some config record asked for so far, present or not: the keys a template must list. */
    public Set<String> readKeys() {
        return Collections.unmodifiableSet(new java.util.TreeSet<>(read));
    }

    private <T> T get(String key, Function<String, T> parser, T defaultValue) {
        read.add(key);
        String raw = values.get(key);
        if (raw == null) {
            return defaultValue;
        }
        try {
            return parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad value for '" + key + "': '" + raw + "' (" + e.getMessage() + ")", e);
        }
    }

    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration (expected e.g. 500ms, 5s, 2m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static boolean parseBoolean(String text) {
        return switch (text.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }
}
