package io.rangekv.client.route;

import io.rangekv.config.DataSize;

/**
 * How {@link PutCoalescer} turns concurrent single puts into batches. The defaults are in
 * {@code KvClientConfig.DEFAULTS}; {@link #OFF} sends every put on its own, as before coalescing existed.
 *
 * @param maxPuts    puts in one coalesced BATCH_PUT; 1 turns coalescing off. Stores refuse batches above their
 *                   {@code rpc.max-batch-keys} (10,000 by default), so this stays at or below that
 * @param maxBytes   key and value bytes in one coalesced BATCH_PUT; a single put larger than this still goes, alone.
 *                   Keep it well below the stores' {@code rpc.max-frame-size} (16MB by default)
 * @param sendAtOnce put requests a region may have in flight before further puts to it wait for one of them to
 *                   finish (and then go together); below it a put is sent at once
 */
public record PutCoalescing(int maxPuts, DataSize maxBytes, int sendAtOnce) {
    /** The stores' default {@code rpc.max-batch-keys}: a larger batch would be refused whole. */
    public static final int STORE_BATCH_LIMIT = 10_000;
    public static final PutCoalescing OFF = new PutCoalescing(1, DataSize.ofBytes(1), 1);

    public PutCoalescing {
        if (maxPuts < 1 || maxPuts > STORE_BATCH_LIMIT) {
            throw new IllegalArgumentException("client.put-coalescing.max-puts must be 1.." + STORE_BATCH_LIMIT
                    + ": " + maxPuts);
        }
        if (maxBytes.bytes() < 1) {
            throw new IllegalArgumentException("client.put-coalescing.max-bytes must be positive: " + maxBytes);
        }
        if (sendAtOnce < 1) {
            throw new IllegalArgumentException("client.put-coalescing.send-at-once must be positive: " + sendAtOnce);
        }
    }

    public boolean enabled() {
        return maxPuts > 1;
    }
}
