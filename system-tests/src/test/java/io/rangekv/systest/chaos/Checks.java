package io.rangekv.systest.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.rangekv.systest.history.CheckResult;
import io.rangekv.systest.history.LinearizabilityChecker;
import io.rangekv.systest.history.Op;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The end-of-run checks on what the client process wrote (see {@link ChaosClientMain} for the files). */
final class Checks {
    private Checks() {
    }

    static List<Op> readHistory(Path file) throws IOException {
        List<Op> ops = new ArrayList<>();
        if (!Files.exists(file)) {
            return ops;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = ClientLink.JSON.readTree(line);
            ops.add(new Op(n.path("id").asLong(), n.path("client").asInt(), n.path("key").asText(),
                    Op.Kind.valueOf(n.path("kind").asText()), n.path("expected").isNull() ? null
                    : n.path("expected").asText(), n.path("value").isNull() ? null : n.path("value").asText(),
                    n.path("succeeded").asBoolean(), n.path("invoked").asLong(), n.path("returned").asLong()));
        }
        return ops;
    }

    /** Checks every key's history, two keys at a time (the machine has two cores). */
    static List<CheckResult> linearizability(List<Op> ops) throws Exception {
        Map<String, List<Op>> byKey = new TreeMap<>();
        ops.forEach(op -> byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<CheckResult>>> futures = new ArrayList<>();
            for (List<Op> keyOps : byKey.values()) {
                futures.add(pool.submit(() -> new LinearizabilityChecker(2_000_000).check(keyOps)));
            }
            List<CheckResult> out = new ArrayList<>();
            for (Future<List<CheckResult>> f : futures) {
                out.addAll(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** What the set/append check found: counts and each violation. */
    record ElementResult(long appendsAcked, long appendsUnknown, long appendsAbsent, long insertsAcked,
                         long insertsUnknown, long elementsFound, List<String> violations) {
    }

    /**
     * Every acknowledged append is in its key's list exactly once, and every acknowledged insert's key holds its
     * element; an element found must have been attempted (and not definitely refused), and none appears twice.
     */
    static ElementResult elements(Path elementsFile, Path scanFile) throws IOException {
        Path unreadableFile = scanFile.resolveSibling("unreadable-buckets.txt");
        java.util.Set<Integer> unreadable = new java.util.HashSet<>();
        if (Files.exists(unreadableFile)) {
            Files.readAllLines(unreadableFile).stream().filter(l -> !l.isBlank()).map(Integer::parseInt)
                    .forEach(unreadable::add);
        }
        Map<String, String[]> attempted = new HashMap<>(); // element -> {A|I, bucket, status}
        long aAck = 0, aUnk = 0, aAbs = 0, iAck = 0, iUnk = 0;
        for (String line : Files.readAllLines(elementsFile)) {
            String[] f = line.split("\t");
            if (f.length != 4) {
                continue;
            }
            attempted.put(f[1], new String[] {f[0], f[2], f[3]});
            if (f[0].equals("A")) {
                aAck += f[3].equals("ACKED") ? 1 : 0;
                aUnk += f[3].equals("UNKNOWN") ? 1 : 0;
                aAbs += f[3].equals("ABSENT") ? 1 : 0;
            } else {
                iAck += f[3].equals("ACKED") ? 1 : 0;
                iUnk += f[3].equals("UNKNOWN") ? 1 : 0;
            }
        }
        Map<String, String> scan = new TreeMap<>();
        for (String line : Files.readAllLines(scanFile)) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                scan.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
        List<String> violations = new ArrayList<>();
        Map<String, Integer> seenAppends = new HashMap<>();
        long found = 0;
        for (Map.Entry<String, String> e : scan.entrySet()) {
            String key = e.getKey();
            String[] parts = key.split("/", 4); // k, bb, r|s|i, id
            if (parts.length >= 3 && parts[2].equals("r")) {
                continue; // a register: checked with the history
            }
            if (parts.length == 3 && parts[2].equals("s")) {
                int bucket = Integer.parseInt(parts[1]);
                for (String element : e.getValue().split(",")) {
                    found++;
                    int times = seenAppends.merge(element, 1, Integer::sum);
                    String[] a = attempted.get(element);
                    if (times == 2) {
                        violations.add("DUPLICATED append " + element + " in " + key + ": " + e.getValue());
                    }
                    if (a == null || !a[0].equals("A") || Integer.parseInt(a[1]) != bucket) {
                        violations.add("PHANTOM append " + element + " in " + key + " (never appended there)");
                    } else if (a[2].equals("ABSENT")) {
                        violations.add("REFUSED append present: " + element + " in " + key
                                + " (every compare-and-put for it was refused)");
                    }
                }
            } else if (parts.length == 4 && parts[2].equals("i")) {
                found++;
                String element = parts[3];
                String[] a = attempted.get(element);
                if (a == null || !a[0].equals("I") || !Keyspace.insert(Integer.parseInt(a[1]), element).equals(key)) {
                    violations.add("PHANTOM insert " + key);
                } else if (!e.getValue().equals(element)) {
                    violations.add("WRONG VALUE at " + key + ": " + e.getValue());
                }
            } else {
                violations.add("UNEXPECTED key " + key);
            }
        }
        for (Map.Entry<String, String[]> e : attempted.entrySet()) {
            String[] a = e.getValue();
            if (!a[2].equals("ACKED") || unreadable.contains(Integer.parseInt(a[1]))) {
                continue; // an unreadable bucket's elements cannot be verified (reported by the run as such)
            }
            if (a[0].equals("A") && !seenAppends.containsKey(e.getKey())) {
                violations.add("LOST acknowledged append " + e.getKey() + " to " + Keyspace.list(
                        Integer.parseInt(a[1])));
            }
            if (a[0].equals("I") && !scan.containsKey(Keyspace.insert(Integer.parseInt(a[1]), e.getKey()))) {
                violations.add("LOST acknowledged insert " + Keyspace.insert(Integer.parseInt(a[1]), e.getKey()));
            }
        }
        return new ElementResult(aAck, aUnk, aAbs, iAck, iUnk, found, violations);
    }
}
