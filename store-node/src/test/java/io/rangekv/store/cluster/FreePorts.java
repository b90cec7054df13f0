package io.rangekv.store.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports chosen at run time. The ports of a cluster must be known before its processes start, so they are picked by
 * binding and releasing. They come from below the OS's ephemeral range (Linux: 32768 and up): outgoing connections
 * take their local ports from that range, and one of them could otherwise grab a picked port before its server
 * binds it (seen once in CI as "Failed to start the Server"). Each pick starts at a random place, so parallel test
 * JVMs rarely meet. A port is never handed out twice in one JVM: two picks for one cluster are both made before
 * either server binds, so the probe alone could return the same port twice (seen in CI as "Address already in
 * use" from SplitChildReplicaIT).
 */
public final class FreePorts {
    private static final int LOW = 15_000;
    private static final int HIGH = 32_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    public static int pick() {
        int start = ThreadLocalRandom.current().nextInt(LOW, HIGH);
        for (int i = 0; i < HIGH - LOW; i++) {
            int port = LOW + (start - LOW + i) % (HIGH - LOW);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IllegalStateException("no free port between " + LOW + " and " + HIGH);
    }

    /** {@code count} ports, all different. */
    public static List<Integer> pick(int count) {
        List<Integer> ports = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ports.add(pick());
        }
        return ports;
    }
}
