package io.rangekv.store.region;

import io.rangekv.store.command.Command;

import java.util.concurrent.atomic.LongAdder;

/**
 * Reads and writes a region's leader served since the last report to the PD (approximate: counted when
 * proposed or read, whether or not they then succeeded). Thread-safe and cheap on the request path.
 */
public final class RegionLoad {
    private final LongAdder keysWritten = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder keysRead = new LongAdder();

    /** Counts accumulated since the previous {@link #drain()}. */
    public record Counts(long keysWritten, long bytesWritten, long keysRead) {
    }

    void recordWrite(Command command) {
        if (command instanceof Command.Put put) {
            add(1, put.key().length() + put.value().length);
        } else if (command instanceof Command.Delete delete) {
            add(1, delete.key().length());
        } else if (command instanceof Command.CompareAndPut cas) {
            add(1, cas.key().length() + cas.value().length);
        } else if (command instanceof Command.Batch batch) {
            for (Command.Mutation m : batch.mutations()) {
                recordWrite(m);
            }
        } else if (command instanceof Command.DeleteRange) {
            add(1, 0);
        }
    }

    private void add(long keys, long bytes) {
        keysWritten.add(keys);
        bytesWritten.add(bytes);
    }

    void recordRead(int keys) {
        keysRead.add(keys);
    }

    /** The counts so far, resetting them. */
    public Counts drain() {
        return new Counts(keysWritten.sumThenReset(), bytesWritten.sumThenReset(), keysRead.sumThenReset());
    }
}
