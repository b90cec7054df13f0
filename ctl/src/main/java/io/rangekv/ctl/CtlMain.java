package io.rangekv.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.KvPair;
import io.rangekv.client.ScanOptions;
import io.rangekv.error.KvException;
import io.rangekv.meta.Key;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code rangekv ctl}: cluster administration through the PD's HTTP admin API (the same data it shows, as tables
 * or with {@code --json} as the API's JSON), and data commands through {@link KvClient}.
 */
@Command(name = "rangekv ctl", mixinStandardHelpOptions = true, version = "rangekv ctl 0.1",
        description = "Administer a RangeKV cluster and read or write its data.",
        subcommands = {CtlMain.Stores.class, CtlMain.Regions.class, CtlMain.RegionCmd.class, CtlMain.Operators.class,
                CtlMain.Config.class, Check.class,
                CtlMain.Split.class, CtlMain.TransferLeader.class, CtlMain.Move.class, CtlMain.Merge.class,
                CtlMain.AddPeer.class,
                CtlMain.RemovePeer.class, CtlMain.StoreOffline.class, CtlMain.StoreRemove.class, CtlMain.Get.class,
                CtlMain.Put.class, CtlMain.Delete.class, CtlMain.Scan.class})
public final class CtlMain {
    @Option(names = "--pd-http", split = ",", defaultValue = "127.0.0.1:2381",
            description = "PD admin addresses (host:port, comma-separated; default ${DEFAULT-VALUE})")
    List<String> pdHttp;

    @Option(names = "--pd", split = ",", defaultValue = "127.0.0.1:2379",
            description = "PD RPC addresses for data commands (default ${DEFAULT-VALUE})")
    List<String> pd;

    @Option(names = "--json", description = "print the admin API's JSON instead of a table")
    boolean json;

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command line, printing to {@code out} / {@code err}; the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new CtlMain());
        cli.setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println("error: " + e.getMessage());
            return e instanceof CtlException || e instanceof KvException ? 1 : 2;
        });
        return cli.execute(args);
    }

    AdminApi admin() {
        return new AdminApi(pdHttp);
    }

    /** Shared by the subcommands: the parent's options and the output. */
    abstract static class Sub implements Callable<Integer> {
        @CommandLine.ParentCommand
        CtlMain parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** Prints the JSON as is with --json, else the rendering. */
        Integer print(JsonNode json, java.util.function.Function<JsonNode, String> render) {
            out().print(parent.json ? json.toPrettyString() + "\n" : render.apply(json));
            out().flush();
            return 0;
        }

        Integer printResult(JsonNode result) {
            return print(result, j -> (j.path("done").asBoolean() ? "done: " : "not done yet: ")
                    + j.path("message").asText() + "\n");
        }

        static ObjectNode body() {
            return AdminApi.JSON.createObjectNode();
        }

        KvClient kv() {
            return KvClient.connect(KvClientConfig.DEFAULTS.withRequestTimeout(Duration.ofSeconds(10)), parent.pd);
        }
    }

    @Command(name = "stores", description = "List stores: state, address, labels, regions, leaders, space.")
    static final class Stores extends Sub {
        @Override
        public Integer call() {
            return print(parent.admin().get("/stores"), j -> Tables.render(j.path("stores"), List.of(
                    new Tables.Column("ID", r -> r.path("id").asText()),
                    new Tables.Column("STATE", r -> r.path("state").asText()),
                    new Tables.Column("ADDRESS", r -> r.path("kv_address").asText()),
                    new Tables.Column("LABELS", r -> r.path("labels").toString()),
                    new Tables.Column("REGIONS", r -> r.path("region_count").asText()),
                    new Tables.Column("LEADERS", r -> r.path("leader_count").asText()),
                    new Tables.Column("AVAILABLE", r -> Tables.bytes(r.path("available_bytes").asLong())),
                    new Tables.Column("LAST HEARTBEAT", r -> r.path("last_heartbeat_ago_ms").isNull() ? "never"
                            : r.path("last_heartbeat_ago_ms").asText() + " ms ago"))));
        }
    }

    @Command(name = "regions", description = "List regions in key order: range, epoch, peers (*leader), size, rates.")
    static final class Regions extends Sub {
        @Option(names = "--limit", defaultValue = "0", description = "at most this many (0: all)")
        int limit;

        @Override
        public Integer call() {
            return print(parent.admin().get("/regions?limit=" + limit), Regions::table);
        }

        static String table(JsonNode j) {
            return Tables.render(j.path("regions"), List.of(
                    new Tables.Column("ID", r -> r.path("id").asText()),
                    new Tables.Column("RANGE", Tables::range),
                    new Tables.Column("EPOCH", r -> r.path("epoch").path("conf_version").asText() + "/"
                            + r.path("epoch").path("version").asText()),
                    new Tables.Column("PEERS(*LEADER)", Tables::peers),
                    new Tables.Column("SIZE", r -> Tables.bytes(r.path("approximate_size").asLong())),
                    new Tables.Column("KEYS", r -> r.path("approximate_keys").asText()),
                    new Tables.Column("WRITE KEYS/S", r -> String.format("%.1f", r.path("write_keys_per_sec")
                            .asDouble())),
                    new Tables.Column("READ KEYS/S", r -> String.format("%.1f", r.path("read_keys_per_sec")
                            .asDouble()))));
        }
    }

    @Command(name = "region", description = "Show one region.")
    static final class RegionCmd extends Sub {
        @Parameters(index = "0", description = "region id")
        long regionId;

        @Override
        public Integer call() {
            return print(parent.admin().get("/regions/" + regionId), j -> {
                ObjectNode wrap = body();
                wrap.putArray("regions").add(j);
                return Regions.table(wrap);
            });
        }
    }

    @Command(name = "operators", description = "Operators running and recently ended, with why and how.")
    static final class Operators extends Sub {
        @Override
        public Integer call() {
            return print(parent.admin().get("/operators"), j -> {
                List<Tables.Column> columns = List.of(
                        new Tables.Column("ID", r -> r.path("id").asText()),
                        new Tables.Column("REGION", r -> r.path("region_id").asText()),
                        new Tables.Column("KIND", r -> r.path("kind").asText()),
                        new Tables.Column("STATUS", r -> r.path("status").asText()),
                        new Tables.Column("STEP", r -> r.path("current_step").asText() + "/"
                                + r.path("steps").size()),
                        new Tables.Column("AGE", r -> r.path("age_ms").asText() + " ms"),
                        new Tables.Column("WHY / OUTCOME", r -> r.path("reason").asText()
                                + (r.path("outcome").asText().isEmpty() ? "" : " / " + r.path("outcome").asText())));
                return "running:\n" + Tables.render(j.path("running"), columns) + "\nrecent:\n"
                        + Tables.render(j.path("history"), columns);
            });
        }
    }

    @Command(name = "config", description = "Show the cluster's replication settings, or set max-replicas.")
    static final class Config extends Sub {
        @Option(names = "--max-replicas", description = "replicas per region from now on (1..7); the PD adds or "
                + "removes voters to match")
        Integer maxReplicas;

        @Override
        public Integer call() {
            if (maxReplicas != null) {
                return printResult(parent.admin().post("/config", body().put("max_replicas", maxReplicas)));
            }
            return print(parent.admin().get("/config"), j -> "max-replicas: " + j.path("max_replicas").asInt()
                    + "\n");
        }
    }

    @Command(name = "split", description = "Split a region at a key, in the middle by size, or into N parts.")
    static final class Split extends Sub {
        @Parameters(index = "0", description = "region id")
        long regionId;
        @Option(names = "--key", description = "split key (UTF-8); omit to split at the middle by size")
        String key;
        @Option(names = "--parts", description = "split into N regions of about equal size (2..64)")
        Integer parts;

        @Override
        public Integer call() {
            if (key != null && parts != null) {
                throw new CtlException("give --key or --parts, not both");
            }
            ObjectNode b = body();
            if (key != null) {
                b.put("key", key);
            }
            if (parts != null) {
                b.put("parts", parts);
            }
            return printResult(parent.admin().post("/regions/" + regionId + "/split", b));
        }
    }

    @Command(name = "transfer-leader", description = "Move a region's leadership to its replica on a store.")
    static final class TransferLeader extends Sub {
        @Parameters(index = "0", description = "region id")
        long regionId;
        @Parameters(index = "1", description = "store id")
        long storeId;

        @Override
        public Integer call() {
            return printResult(parent.admin().post("/regions/" + regionId + "/transfer-leader",
                    body().put("store_id", storeId)));
        }
    }

    @Command(name = "move", description = "Move a region's replica between stores (learner, catch up, promote, "
            + "remove: never below the replica count).")
    static final class Move extends Sub {
        @Parameters(index = "0", description = "region id")
        long regionId;
        @Option(names = "--from", required = true, description = "store losing the replica")
        long from;
        @Option(names = "--to", required = true, description = "store gaining it")
        long to;

        @Override
        public Integer call() {
            return printResult(parent.admin().post("/regions/" + regionId + "/move",
                    body().put("from_store", from).put("to_store", to)));
        }
    }

    @Command(name = "merge", description = "Merge a region into its neighbour (the source's replicas first move "
            + "onto the target's stores; the source freezes, then the target takes over its keys).")
    static final class Merge extends Sub {
        @Parameters(index = "0", description = "source region id (it disappears)")
        long source;
        @Parameters(index = "1", description = "target region id (an adjacent region; it grows)")
        long target;

        @Override
        public Integer call() {
            return printResult(parent.admin().post("/regions/" + source + "/merge", body().put("target", target)));
        }
    }

    @Command(name = "add-peer", description = "Add a replica of a region on a store (as a learner, then promoted).")
    static final class AddPeer extends Sub {
        @Parameters(index = "0", description = "region id")
        long regionId;
        @Parameters(index = "1", description = "store id")
        long storeId;

        @Override
        public Integer call() {
            return printResult(parent.admin().post("/regions/" + regionId + "/add-peer", body().put("store_id",
                    storeId)));
        }
    }

    @Command(name = "remove-peer", description = "Remove a region's replica from a store.")
    static final class RemovePeer extends Sub {
        @Parameters(index = "0", description = "region id")
        long regionId;
        @Parameters(index = "1", description = "store id")
        long storeId;

        @Override
        public Integer call() {
            return printResult(parent.admin().post("/regions/" + regionId + "/remove-peer", body().put("store_id",
                    storeId)));
        }
    }

    @Command(name = "store-offline", description = "Drain a store: its replicas move away, then it is TOMBSTONE.")
    static final class StoreOffline extends Sub {
        @Parameters(index = "0", description = "store id")
        long storeId;

        @Override
        public Integer call() {
            return printResult(parent.admin().post("/stores/" + storeId + "/offline", body()));
        }
    }

    @Command(name = "store-remove", description = "Remove a dead store now; its replicas are re-created elsewhere.")
    static final class StoreRemove extends Sub {
        @Parameters(index = "0", description = "store id")
        long storeId;

        @Override
        public Integer call() {
            return printResult(parent.admin().post("/stores/" + storeId + "/remove", body()));
        }
    }

    @Command(name = "get", description = "Read a key (UTF-8); exit code 1 when absent.")
    static final class Get extends Sub {
        @Parameters(index = "0")
        String key;

        @Override
        public Integer call() {
            try (KvClient kv = kv()) {
                var value = kv.get(Key.of(key));
                if (value.isEmpty()) {
                    spec.commandLine().getErr().println("not found: " + key);
                    return 1;
                }
                out().println(new String(value.get(), StandardCharsets.UTF_8));
                return 0;
            }
        }
    }

    @Command(name = "put", description = "Write a key (UTF-8 key and value).")
    static final class Put extends Sub {
        @Parameters(index = "0")
        String key;
        @Parameters(index = "1")
        String value;

        @Override
        public Integer call() {
            try (KvClient kv = kv()) {
                kv.put(Key.of(key), value.getBytes(StandardCharsets.UTF_8));
                return 0;
            }
        }
    }

    @Command(name = "delete", description = "Delete a key.")
    static final class Delete extends Sub {
        @Parameters(index = "0")
        String key;

        @Override
        public Integer call() {
            try (KvClient kv = kv()) {
                kv.delete(Key.of(key));
                return 0;
            }
        }
    }

    @Command(name = "scan", description = "List keys and values in key order.")
    static final class Scan extends Sub {
        @Option(names = "--prefix")
        String prefix;
        @Option(names = "--start", defaultValue = "")
        String start;
        @Option(names = "--end", defaultValue = "")
        String end;
        @Option(names = "--limit", defaultValue = "100")
        int limit;
        @Option(names = "--reverse")
        boolean reverse;

        @Override
        public Integer call() {
            ScanOptions options = (prefix != null ? ScanOptions.prefix(Key.of(prefix))
                    : ScanOptions.range(Key.of(start), Key.of(end))).withLimit(limit);
            if (reverse) {
                options = options.reversed();
            }
            try (KvClient kv = kv()) {
                for (KvPair pair : kv.scan(options)) {
                    out().println(new String(pair.key().toBytes(), StandardCharsets.UTF_8) + "\t"
                            + new String(pair.value(), StandardCharsets.UTF_8));
                }
                return 0;
            }
        }
    }
}
