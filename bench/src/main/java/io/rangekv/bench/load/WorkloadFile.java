package io.rangekv.bench.load;

import io.rangekv.config.Settings;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Reads a {@link Workload} from a {@code key = value} file: a bundled one by name ({@code a} .. {@code f}, YCSB's
 * core workloads; {@code write} and {@code read}, the write-only and read-only runs the goals against etcd are
 * stated on; all in {@code bench/src/main/resources/workloads/}) or any file by path. Unknown keys and bad values
 * are errors that name the key.
 */
public final class WorkloadFile {
    private static final Map<String, Workload.Op> PROPORTIONS = Map.of(
            "read-proportion", Workload.Op.READ, "update-proportion", Workload.Op.UPDATE,
            "insert-proportion", Workload.Op.INSERT, "scan-proportion", Workload.Op.SCAN,
            "read-modify-write-proportion", Workload.Op.READ_MODIFY_WRITE);

    private WorkloadFile() {
    }

    /** A bundled workload by name, or a file when {@code nameOrPath} names one. */
    public static Workload load(String nameOrPath) throws IOException {
        Path path = Path.of(nameOrPath);
        if (Files.isRegularFile(path)) {
            try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                return parse(stripExtension(path.getFileName().toString()), r);
            }
        }
        String name = nameOrPath.toLowerCase(Locale.ROOT);
        InputStream in = WorkloadFile.class.getResourceAsStream("/workloads/" + name + ".conf");
        if (in == null) {
            throw new IllegalArgumentException("no workload '" + nameOrPath + "': give a-f, write, read or the path of a "
                    + "file");
        }
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return parse(name, r);
        }
    }

    static Workload parse(String name, Reader reader) throws IOException {
        Properties props = new Properties();
        props.load(reader);
        Map<String, String> values = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> values.put(k, props.getProperty(k).trim()));
        Settings s = new Settings(values);
        Map<Workload.Op, Double> mix = new EnumMap<>(Workload.Op.class);
        PROPORTIONS.forEach((key, op) -> {
            double share = parseShare(key, s.getString(key, "0"));
            if (share > 0) {
                mix.put(op, share);
            }
        });
        String dist = s.getString("request-distribution", "uniform");
        KeyDistribution distribution;
        try {
            distribution = KeyDistribution.valueOf(dist.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("request-distribution must be uniform, zipfian or latest, not " + dist);
        }
        Workload w = new Workload(name, mix, distribution, s.getLong("record-count", 100_000),
                s.getInt("value-size", 100), s.getInt("scan-length", 100), s.getInt("inflight", 64),
                s.getDuration("warmup", Duration.ofSeconds(15)), s.getDuration("duration", Duration.ofSeconds(30)),
                s.getLong("operation-count", 0));
        if (!s.unusedKeys().isEmpty()) {
            throw new IllegalArgumentException("workload " + name + ": unknown keys " + s.unusedKeys());
        }
        return w;
    }

    private static double parseShare(String key, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number between 0 and 1, not '" + text + "'");
        }
    }

    private static String stripExtension(String file) {
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }
}
