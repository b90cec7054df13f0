package io.rangekv.store.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An ordered list of mutations that an engine applies atomically: readers see all of them or none, and a crash leaves
 * all of them or none. Built by one thread, then handed to {@link Engine#write(WriteBatch)}. Engine-neutral: each
 * engine translates it into its own transaction.
 */
public final class WriteBatch {
    /** One mutation. {@code DeleteRange} removes {@code [start, end)}; a null end is unbounded. */
    public sealed interface Op permits Put, Delete, DeleteRange {
    }

    public record Put(byte[] key, byte[] value) implements Op {
    }

    public record Delete(byte[] key) implements Op {
    }

    public record DeleteRange(byte[] start, byte[] end) implements Op {
    }

    private final List<Op> ops = new ArrayList<>();
    private long bytes;

    public WriteBatch put(byte[] key, byte[] value) {
        ops.add(new Put(key, value));
        bytes += key.length + value.length;
        return this;
    }

    public WriteBatch delete(byte[] key) {
        ops.add(new Delete(key));
        bytes += key.length;
        return this;
    }

    public WriteBatch deleteRange(byte[] start, byte[] end) {
        ops.add(new DeleteRange(start, end));
        bytes += start.length + (end == null ? 0 : end.length);
        return this;
    }

    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }

    public int size() {
        return ops.size();
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    /** Key and value bytes in the batch, for limits and metrics. */
    public long byteSize() {
        return bytes;
    }
}
