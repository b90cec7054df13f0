package io.rangekv.pd.schedule;

import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.concurrent.ThreadSafe;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The PD leader's one decision thread ({@code pd-schedule}): heartbeats are recorded and every scheduling decision is
 * made on it, one task at a time, so the soft state those touch needs no locks. Classes confined to it call
 * {@link #checkOn()} where they touch that state: a call from any other thread (a Raft apply callback, an admin
 * thread) fails loudly instead of racing.
 */
@ThreadSafe
public final class DecisionThread implements Executor, AutoCloseable {
    public static final String NAME = "pd-schedule";

    private final ScheduledExecutorService scheduler; // null when tasks run inline on the owner (tests)
    /** The thread that runs the tasks (the pool would replace one that died: the factory records each). */
    private final AtomicReference<Thread> owner;

    private DecisionThread(ScheduledExecutorService scheduler, AtomicReference<Thread> owner) {
        this.scheduler = scheduler;
        this.owner = owner;
    }

    /** A new daemon thread named {@code pd-schedule-N}. */
    public static DecisionThread start() {
        NamedThreadFactory named = new NamedThreadFactory(NAME, true);
        AtomicReference<Thread> owner = new AtomicReference<>();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = named.newThread(task);
            owner.set(t);
            return t;
        });
        try {
            scheduler.submit(() -> { }).get(10, TimeUnit.SECONDS); // the thread exists, and is recorded
        } catch (Exception e) {
            scheduler.shutdownNow();
            throw new IllegalStateException("the " + NAME + " thread did not start", e);
        }
        return new DecisionThread(scheduler, owner);
    }

    /** The calling thread as the decision thread, running submitted tasks inline: for tests. */
    public static DecisionThread callingThread() {
        return new DecisionThread(null, new AtomicReference<>(Thread.currentThread()));
    }

    /** Fails unless the caller is the decision thread. */
    public void checkOn() {
        Thread current = Thread.currentThread();
        Thread confinedTo = owner.get();
        if (current != confinedTo) {
            throw new IllegalStateException("PD decision state touched from thread " + current.getName()
                    + "; it is confined to " + confinedTo.getName());
        }
    }

    @Override
    public void execute(Runnable task) {
        if (scheduler == null) {
            task.run();
        } else {
            scheduler.execute(task);
        }
    }

    /** Runs {@code task} every {@code everyMillis} on the decision thread (no-op when tasks run inline). */
    public void every(long everyMillis, Runnable task) {
        if (scheduler != null) {
            scheduler.scheduleWithFixedDelay(task, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
