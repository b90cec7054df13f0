package io.rangekv.router.http;

import io.netty.util.AttributeKey;

import java.util.HashMap;
import java.util.Map;

/**
 * HTTP/1.1 lets a client send several requests on a connection before reading the answers (pipelining); the answers
 * must then come back in request order. Calls complete in any order, so each request takes a number when it
 * arrives and an answer is written only when every earlier one has been. One per connection; used only on that
 * connection's event loop.
 */
final class ResponseOrder {
    static final AttributeKey<ResponseOrder> KEY = AttributeKey.valueOf("rangekv-response-order");

    private long nextToArrive;
    private long nextToWrite;
    private final Map<Long, Runnable> ready = new HashMap<>();

    /** The number of the request that just arrived. */
    long arrive() {
        return nextToArrive++;
    }

    /** Runs {@code write} for request {@code seq} as soon as it is its turn (now, or after the earlier ones). */
    void complete(long seq, Runnable write) {
        ready.put(seq, write);
        for (Runnable next = ready.remove(nextToWrite); next != null; next = ready.remove(nextToWrite)) {
            nextToWrite++;
            next.run();
        }
    }
}
