package io.rangekv.store.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports chosen at run time. The ports of a cluster must be known before its processes start, so they are picked by
 * binding and releasing. They come from below the OS's ephemeral range (Linux: 32768 and up): outgoing connections
 * take their local ports from that range, and one of them could otherwise grab a picked port before its server
 * binds it (seen once in CI as "Failed to start the Server"). Each pick starts at a random place, so parallel test
 * JVMs rarely meet.
 */
public final class FreePorts {
    private static final int LOW = 15_000;
    private static final int HIGH = 32_000;

    private FreePorts() {
    }

    public static int pick() {
        int start = ThreadLocalRandom.current().nextInt(LOW, HIGH);
        for (int i = 0; i < HIGH - LOW; i++) {
            int port = LOW + (start - LOW + i) % (HIGH - LOW);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IllegalStateException("no free port between " + LOW + " and " + HIGH);
    }
}
