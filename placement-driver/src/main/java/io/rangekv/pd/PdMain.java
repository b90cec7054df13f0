package io.rangekv.pd;

import io.rangekv.config.MainArgs;

import java.util.concurrent.CountDownLatch;

/**
 * Runs one PD member as a process: {@code PdMain --config pd.conf [--key=value ...]}. Stops cleanly on SIGTERM or
 * Ctrl-C; its Raft log is synced, so a {@code kill -9} loses nothing committed.
 */
public final class PdMain {
    private PdMain() {
    }

    public static void main(String[] args) throws Exception {
        PdConfig config;
        try {
            config = PdConfig.from(MainArgs.parse("rangekv pd", args));
        } catch (IllegalArgumentException e) {
            System.err.println("invalid PD config: " + e.getMessage());
            System.exit(2);
            return;
        }
        PdNode node = PdNode.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "pd-shutdown"));
        PdMember self = config.self();
        System.out.println("pd " + self.memberId() + " ready rpc=" + self.rpcAddress() + " raft="
                + self.raftAddress() + " http=" + self.httpAddress());
        stopped.await();
    }
}
