package io.rangekv.store;

import io.rangekv.config.MainArgs;

import java.util.concurrent.CountDownLatch;

/**
 * Runs one store node as a process: {@code StoreMain --config store.conf [--key=value ...]}. Flags override the file.
 * Stops cleanly on SIGTERM or Ctrl-C; a {@code kill -9} loses nothing acknowledged (the Raft log is synced).
 */
public final class StoreMain {
    private StoreMain() {
    }

    public static void main(String[] args) throws Exception {
        StoreConfig config;
        try {
            config = StoreConfig.from(MainArgs.parse("rangekv store", args));
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
