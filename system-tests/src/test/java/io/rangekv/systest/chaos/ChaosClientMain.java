package io.rangekv.systest.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rangekv.client.CasResult;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.KvPair;
import io.rangekv.client.ScanOptions;
import io.rangekv.meta.Key;
import io.rangekv.systest.history.History;
import io.rangekv.systest.history.Op;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chaos run's client process, started by the harness inside the client network namespace
 * ({@code ip netns exec <client-ns> java ...}): the only process that talks to the cluster over its network. It runs
 * the two workloads, performs the harness's PD admin calls (the harness itself has no address in the test network),
 * and at the end reads the whole key space back with linearizable reads. Everything it saw goes to files in its
 * output directory, which the harness reads and checks:
 *
 * <ul>
 *   <li>{@code history.jsonl}: every register operation (put / get / compare-and-put), unknown outcomes as such,
 *       plus one final read per register key;</li>
 *   <li>{@code elements.tsv}: every append (a compare-and-put adding a unique element to a key's list) and every
 *       insert (a put of a unique key), with what the client was told: ACKED, UNKNOWN, or ABSENT (the compare-and-put
 *       was refused every time: the element was definitely not written);</li>
 *   <li>{@code final-scan.tsv}: the whole key space at the end, read with linearizable scans after the cluster
 *       settled.</li>
 * </ul>
 *
 * Every load loop is bounded in count ({@code max-ops}) and time ({@code max-seconds}).
 */
public final class ChaosClientMain {
    private final Properties conf;
    private final Path out;
    private final List<String> pdHttp;
    private final List<String> pdRpc;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1))
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private final AtomicLong preferredPd = new AtomicLong();
    private final History history = new History();
    private final ConcurrentLinkedQueue<String> elements = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong registerOps = new AtomicLong();
    private final AtomicLong elementOps = new AtomicLong();
    private final List<Thread> workers = new ArrayList<>();
    private final List<KvClient> clients = new ArrayList<>();
    private final int buckets;
    /**
     * Writes of unknown outcome per register key. Each one stays "may still take effect" for the rest of the history,
     * which multiplies the checker's search: runs where a region was out of service for a minute gave keys dozens of
     * them and the checker gave up on those keys after 65 s. A key that has collected {@value #MAX_UNKNOWN_PER_KEY}
     * gets only reads from then on (reads after unknown writes are what can expose a lost or resurrected write).
     */
    private final ConcurrentHashMap<String, AtomicInteger> unknownWrites = new ConcurrentHashMap<>();
    private static final int MAX_UNKNOWN_PER_KEY = 12;

    private ChaosClientMain(Properties conf) {
        this.conf = conf;
        this.out = Path.of(conf.getProperty("out"));
        this.pdHttp = Arrays.asList(conf.getProperty("pd.http").split(","));
        this.pdRpc = Arrays.asList(conf.getProperty("pd.rpc").split(","));
        this.buckets = Integer.parseInt(conf.getProperty("buckets", "48"));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("--config")) {
            System.err.println("usage: ChaosClientMain --config FILE");
            System.exit(2);
        }
        Properties conf = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of(args[1]))) {
            conf.load(r);
        }
        new ChaosClientMain(conf).serve(Path.of(conf.getProperty("socket")));
    }

    private void serve(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        ExecutorService handlers = Executors.newCachedThreadPool();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            System.out.println("chaos client ready");
            while (true) {
                SocketChannel ch = server.accept();
                handlers.execute(() -> handle(ch));
            }
        }
    }

    private void handle(SocketChannel ch) {
        try (ch) {
            InputStream in = Channels.newInputStream(ch);
            JsonNode req = ClientLink.JSON.readTree(in.readAllBytes());
            JsonNode answer;
            try {
                answer = dispatch(req);
            } catch (Exception e) {
                answer = ClientLink.JSON.createObjectNode().put("error", e.toString());
            }
            OutputStream o = Channels.newOutputStream(ch);
            o.write(ClientLink.JSON.writeValueAsBytes(answer));
            o.flush();
            if (req.path("op").asText().equals("exit")) {
                ch.close();
                Runtime.getRuntime().halt(0);
            }
        } catch (IOException e) {
            System.out.println("link error: " + e);
        }
    }

    private JsonNode dispatch(JsonNode req) throws Exception {
        ObjectNode a = ClientLink.JSON.createObjectNode();
        switch (req.path("op").asText()) {
            case "ping" -> a.put("ok", true);
            case "http" -> {
                return admin(req.path("method").asText(), req.path("path").asText(),
                        req.hasNonNull("body") ? req.get("body").asText() : null);
            }
            case "start" -> {
                start(req.path("seed").asLong(), req.path("seconds").asLong());
                a.put("ok", true);
            }
            case "stop" -> {
                stop();
                a.put("register_ops", registerOps.get()).put("element_ops", elementOps.get());
            }
            case "final-read" -> {
                return finalRead(req.path("seconds").asLong(120));
            }
            case "exit" -> {
                stop();
                clients.forEach(KvClient::close);
                a.put("ok", true);
            }
            default -> a.put("error", "unknown op " + req.path("op").asText());
        }
        return a;
    }

    /** One PD admin call from inside the test network; tries each member, the last one that answered first. */
    private ObjectNode admin(String method, String path, String body) {
        ObjectNode a = ClientLink.JSON.createObjectNode();
        Duration timeout = method.equals("GET") ? Duration.ofSeconds(3) : Duration.ofSeconds(20);
        String lastError = "no PD member configured";
        int n = pdHttp.size();
        int first = (int) (preferredPd.get() % n);
        for (int i = 0; i < n; i++) {
            int idx = (first + i) % n;
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + pdHttp.get(idx) + path))
                    .timeout(timeout);
            b = method.equals("GET") ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}"
                    : body));
            try {
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 503 && i < n - 1) {
                    lastError = "503 from " + pdHttp.get(idx);
                    continue; // no leader known there; another member may know one
                }
                preferredPd.set(idx);
                return a.put("status", r.statusCode()).put("body", r.body());
            } catch (IOException e) {
                lastError = pdHttp.get(idx) + ": " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lastError = "interrupted";
                break;
            }
        }
        return a.put("status", -1).put("error", lastError);
    }

    private KvClient newClient(Duration timeout) {
        KvClient kv = KvClient.connect(KvClientConfig.DEFAULTS.withRequestTimeout(timeout), pdRpc);
        synchronized (clients) {
            clients.add(kv);
        }
        return kv;
    }

    private synchronized void start(long seed, long seconds) {
        if (running.get()) {
            return;
        }
        running.set(true);
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long maxOps = Long.parseLong(conf.getProperty("max-ops", "200000"));
        Duration timeout = Duration.ofMillis(Long.parseLong(conf.getProperty("request-timeout-ms", "1500")));
        int registerThreads = Integer.parseInt(conf.getProperty("register.threads", "4"));
        int elementThreads = Integer.parseInt(conf.getProperty("element.threads", "2"));
        long pauseMs = Long.parseLong(conf.getProperty("pause-ms", "2"));
        KvClient a = newClient(timeout);
        KvClient b = newClient(timeout);
        for (int t = 0; t < registerThreads; t++) {
            int worker = t;
            KvClient kv = t % 2 == 0 ? a : b;
            workers.add(started("register-" + t, () ->
                    registerLoop(worker, kv, new Random(seed * 1000 + worker), deadline, maxOps, pauseMs)));
        }
        for (int t = 0; t < elementThreads; t++) {
            int worker = t;
            KvClient kv = t % 2 == 0 ? b : a;
            workers.add(started("elements-" + t, () ->
                    elementLoop(worker, kv, new Random(seed * 1000 + 500 + worker), deadline, maxOps, pauseMs)));
        }
    }

    private static Thread started(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.start();
        return t;
    }

    /** Register workload: put / get / compare-and-put on one register key per bucket. */
    private void registerLoop(int worker, KvClient kv, Random random, long deadline, long maxOps, long pauseMs) {
        long n = 0;
        while (running.get() && System.nanoTime() < deadline && n < maxOps) {
            String key = Keyspace.register(random.nextInt(buckets));
            AtomicInteger unknown = unknownWrites.computeIfAbsent(key, k -> new AtomicInteger());
            int choice = unknown.get() >= MAX_UNKNOWN_PER_KEY ? 4 + random.nextInt(4) : random.nextInt(10);
            registerOps.incrementAndGet();
            if (choice < 4) {
                String value = "w" + worker + "-" + n++;
                long id = history.invoke(worker, key, Op.Kind.PUT, null, value);
                try {
                    kv.put(Key.of(key), bytes(value));
                    history.ok(id, null, true);
                } catch (RuntimeException e) {
                    history.unknown(id); // a failed write may still have been applied
                    unknown.incrementAndGet();
                }
            } else if (choice < 8) {
                n++;
                long id = history.invoke(worker, key, Op.Kind.GET, null, null);
                try {
                    Optional<byte[]> v = kv.get(Key.of(key));
                    history.ok(id, v.map(ChaosClientMain::string).orElse(null), true);
                } catch (RuntimeException e) {
                    history.failed(id);
                }
            } else {
                String expected;
                try {
                    expected = kv.get(Key.of(key)).map(ChaosClientMain::string).orElse(null);
                } catch (RuntimeException e) {
                    pause(pauseMs * 10);
                    continue;
                }
                String value = "w" + worker + "-" + n++;
                long id = history.invoke(worker, key, Op.Kind.CAS, expected, value);
                try {
                    CasResult r = expected == null ? kv.putIfAbsent(Key.of(key), bytes(value))
                            : kv.compareAndPut(Key.of(key), bytes(expected), bytes(value));
                    history.ok(id, null, r.succeeded());
                } catch (RuntimeException e) {
                    history.unknown(id);
                    unknown.incrementAndGet();
                }
            }
            pause(pauseMs);
        }
    }

    /**
     * Set workload: unique elements appended to a key's comma-separated list by read + compare-and-put (retried
     * with a fresh read while refused; never again after an unknown outcome, so an element may be written at most
     * once), and unique keys inserted with a put.
     */
    private void elementLoop(int worker, KvClient kv, Random random, long deadline, long maxOps, long pauseMs) {
        long n = 0;
        while (running.get() && System.nanoTime() < deadline && n < maxOps) {
            int bucket = random.nextInt(buckets);
            String element = "e" + worker + "." + n++;
            elementOps.incrementAndGet();
            if (random.nextBoolean()) {
                elements.add("A\t" + element + "\t" + bucket + "\t" + append(kv, Keyspace.list(bucket), element));
            } else {
                String status;
                try {
                    kv.put(Key.of(Keyspace.insert(bucket, element)), bytes(element));
                    status = "ACKED";
                } catch (RuntimeException e) {
                    status = "UNKNOWN";
                }
                elements.add("I\t" + element + "\t" + bucket + "\t" + status);
            }
            pause(pauseMs);
        }
    }

    private static String append(KvClient kv, String key, String element) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<byte[]> current;
            try {
                current = kv.get(Key.of(key));
            } catch (RuntimeException e) {
                continue; // nothing sent yet for this attempt
            }
            String now = current.map(ChaosClientMain::string).orElse(null);
            String next = now == null ? element : now + "," + element;
            try {
                CasResult r = now == null ? kv.putIfAbsent(Key.of(key), bytes(next))
                        : kv.compareAndPut(Key.of(key), bytes(now), bytes(next));
                if (r.succeeded()) {
                    return "ACKED";
                }
            } catch (RuntimeException e) {
                return "UNKNOWN"; // may have been applied: never try this element again
            }
        }
        return "ABSENT";
    }

    private synchronized void stop() throws IOException, InterruptedException {
        if (!running.getAndSet(false) && workers.isEmpty()) {
            return;
        }
        for (Thread t : workers) {
            t.join(60_000);
        }
        workers.clear();
        writeHistory(history.operations(), out.resolve("history.jsonl"));
        Files.write(out.resolve("elements.tsv"), new ArrayList<>(elements));
    }

    private static void writeHistory(List<Op> ops, Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (Op op : ops) {
                ObjectNode n = ClientLink.JSON.createObjectNode().put("id", op.id()).put("client", op.client())
                        .put("key", op.key()).put("kind", op.kind().name()).put("expected", op.expected())
                        .put("value", op.value()).put("succeeded", op.succeeded()).put("invoked", op.invoked())
                        .put("returned", op.returned());
                w.write(ClientLink.JSON.writeValueAsString(n));
                w.newLine();
            }
        }
    }

    /**
     * Reads the whole key space with linearizable scans (retrying a failed scan until {@code seconds} pass), writes
     * it to {@code final-scan.tsv}, and adds one read per register key to {@code final-reads.jsonl}: each key was read
     * at some instant between the scan's start and end, so it is a read with that interval for the checker.
     */
    private ObjectNode finalRead(long seconds) throws IOException {
        ObjectNode a = ClientLink.JSON.createObjectNode();
        KvClient kv = newClient(Duration.ofSeconds(20));
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        String lastError = null;
        int attempts = 0;
        while (System.nanoTime() < deadline) {
            attempts++;
            long invoked = System.nanoTime();
            try {
                List<KvPair> pairs = kv.scan(ScanOptions.prefix(Key.of(Keyspace.PREFIX)));
                long returned = System.nanoTime();
                List<String> lines = new ArrayList<>();
                java.util.Map<String, String> registers = new java.util.TreeMap<>();
                for (KvPair p : pairs) {
                    String k = string(p.key().toBytes());
                    String v = string(p.value());
                    lines.add(k + "\t" + v);
                    if (k.endsWith("/r")) {
                        registers.put(k, v);
                    }
                }
                Files.write(out.resolve("final-scan.tsv"), lines);
                List<Op> reads = new ArrayList<>();
                for (int b = 0; b < buckets; b++) {
                    String key = Keyspace.register(b);
                    reads.add(new Op(-1 - b, 1000, key, Op.Kind.GET, null, registers.get(key), true, invoked,
                            Math.max(returned, invoked + 1)));
                }
                writeHistory(reads, out.resolve("final-reads.jsonl"));
                return a.put("ok", true).put("pairs", pairs.size()).put("attempts", attempts)
                        .put("scan_ms", (returned - invoked) / 1_000_000);
            } catch (RuntimeException e) {
                lastError = e.toString();
                pause(500);
            }
        }
        // The whole scan never succeeded: read bucket by bucket, so the checks can still cover every bucket that is
        // readable; the unreadable ones are listed (their elements cannot be verified: reported, never passed).
        List<String> lines = new ArrayList<>();
        List<Integer> unreadable = new ArrayList<>();
        KvClient quick = newClient(Duration.ofSeconds(3));
        for (int b = 0; b < buckets; b++) {
            try {
                for (KvPair p : quick.scan(ScanOptions.prefix(Key.of(Keyspace.bucket(b))))) {
                    lines.add(string(p.key().toBytes()) + "\t" + string(p.value()));
                }
            } catch (RuntimeException e) {
                unreadable.add(b);
            }
        }
        Files.write(out.resolve("final-scan.tsv"), lines);
        Files.write(out.resolve("unreadable-buckets.txt"), unreadable.stream().map(String::valueOf).toList());
        return a.put("ok", false).put("attempts", attempts).put("error", String.valueOf(lastError))
                .put("pairs", lines.size()).put("unreadable_buckets", unreadable.toString());
    }

    private static void pause(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
