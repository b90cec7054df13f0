package io.rangekv.store;

import io.rangekv.config.Settings;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one store node as a process: {@code StoreMain --config store.conf [--key=value ...]}. Flags override the file.
 * Stops cleanly on SIGTERM or Ctrl-C; a {@code kill -9} loses nothing acknowledged (the Raft log is synced).
 */
public final class StoreMain {
    private StoreMain() {
    }

    public static void main(String[] args) throws Exception {
        Path configFile = null;
        Map<String, String> overrides = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else if (arg.startsWith("--") && arg.contains("=")) {
                int eq = arg.indexOf('=');
                overrides.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                System.err.println("usage: StoreMain --config <file> [--key=value ...]; unexpected '" + arg + "'");
                System.exit(2);
            }
        }
        Settings settings = (configFile == null ? Settings.empty() : Settings.load(configFile)).with(overrides);
        StoreConfig config;
        try {
            config = StoreConfig.from(settings);
        } catch (IllegalArgumentException e) {
            System.err.println("invalid store config: " + e.getMessage());
            System.exit(2);
            return;
        }
        StoreNode node = StoreNode.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "store-shutdown"));
        System.out.println("store " + config.storeId() + " ready kv=" + node.kvAddress() + " raft="
                + node.raftAddress());
        stopped.await();
    }
}
