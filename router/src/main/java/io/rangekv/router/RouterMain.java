package io.rangekv.router;

import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.config.MainArgs;

import java.util.concurrent.CountDownLatch;

/**
 * Runs one router as a process: {@code RouterMain --config router.conf [--key=value ...]}. Stateless; stops on
 * SIGTERM or Ctrl-C.
 */
public final class RouterMain {
    private RouterMain() {
    }

    public static void main(String[] args) throws Exception {
        RouterConfig config;
        try {
            config = RouterConfig.from(MainArgs.parse("rangekv router", args));
        } catch (IllegalArgumentException e) {
            System.err.println("invalid router config: " + e.getMessage());
            System.exit(2);
            return;
        }
        KvClient kv = KvClient.connect(KvClientConfig.DEFAULTS.withRequestTimeout(config.requestTimeout()),
                config.pdEndpoints());
        RouterServer server = RouterServer.start(config, kv);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            kv.close();
            stopped.countDown();
        }, "router-shutdown"));
        System.out.println("router ready http=" + config.host() + ":" + server.port() + " pd=" + config.pdEndpoints());
        stopped.await();
    }
}
