package io.rangekv.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names threads {@code <module>-<role>-<n>} (for example {@code store-kv-2}) so thread dumps read as a map.
 * {@link #forNetty} makes Netty's {@code FastThreadLocalThread}s, which Netty's pooled allocator needs for its
 * per-thread caches: use it for event loops.
 */
public final class NamedThreadFactory implements ThreadFactory {
    private final String prefix;
    private final boolean daemon;
    private final boolean netty;
    private final AtomicInteger next = new AtomicInteger();

    public NamedThreadFactory(String prefix, boolean daemon) {
        this(prefix, daemon, false);
    }

    private NamedThreadFactory(String prefix, boolean daemon, boolean netty) {
        this.prefix = prefix;
        this.daemon = daemon;
        this.netty = netty;
    }

    /** Daemon event-loop threads for Netty. */
    public static NamedThreadFactory forNetty(String prefix) {
        return new NamedThreadFactory(prefix, true, true);
    }

    @Override
    public Thread newThread(Runnable task) {
        String name = prefix + "-" + next.getAndIncrement();
        Thread t = netty ? new io.netty.util.concurrent.FastThreadLocalThread(task, name) : new Thread(task, name);
        t.setDaemon(daemon);
        return t;
    }
}
