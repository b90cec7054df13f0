package io.rangekv.client.route;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For each region, how many put requests are in flight and which puts wait for one of them to finish. It decides
 * only who sends what; {@link PutCoalescer} does the sending.
 *
 * <pre>
 *   admit(region, put):  in flight &lt; sendAtOnce ? take a slot, "send it now" : queue it
 *   next(region):        a request finished: the queued puts (FIFO, bounded) take its slot over, or the slot is freed
 * </pre>
 *
 * <p><b>Concurrency</b>: thread-safe. Each region's lane changes only inside {@code ConcurrentHashMap.compute} for
 * its id, so admission and hand-over are atomic per region without a lock of our own; an idle lane is removed, so
 * regions that split or merged away leave nothing behind. <b>Ordering</b>: a lane is FIFO and a batch keeps the
 * order in which its puts were queued.
 */
final class PutLanes {
    private final ConcurrentHashMap<Long, Lane> lanes = new ConcurrentHashMap<>();
    private final int sendAtOnce;
    private final int maxPuts;
    private final long maxBytes;

    PutLanes(PutCoalescing limits) {
        this.sendAtOnce = limits.sendAtOnce();
        this.maxPuts = limits.maxPuts();
        this.maxBytes = limits.maxBytes().bytes();
    }

    /** One region's requests in flight and puts waiting. Touched only inside {@code compute} for its region. */
    private static final class Lane {
        int inFlight;
        final ArrayDeque<PendingPut> waiting = new ArrayDeque<>();
    }

    /**
     * True: {@code put} holds one of the region's slots and must be sent now, and {@link #next} called when its
     * request finishes. False: it was queued and will come out of {@link #next}.
     */
    boolean admit(long regionId, PendingPut put) {
        boolean[] sendNow = new boolean[1];
        lanes.compute(regionId, (id, lane) -> {
            Lane l = lane == null ? new Lane() : lane;
            if (l.inFlight < sendAtOnce) {
                l.inFlight++;
                sendNow[0] = true;
            } else {
                l.waiting.add(put);
            }
            return l;
        });
        return sendNow[0];
    }

    /**
     * Called once for every finished request that held a slot of the region: returns the puts to send next in that
     * slot (at least one, at most {@code maxPuts} and, unless a single put is larger, {@code maxBytes}), or null
     * when none wait and the slot is freed.
     */
    List<PendingPut> next(long regionId) {
        List<PendingPut> batch = new ArrayList<>();
        lanes.computeIfPresent(regionId, (id, l) -> {
            long bytes = 0;
            while (!l.waiting.isEmpty() && batch.size() < maxPuts
                    && (batch.isEmpty() || bytes + l.waiting.peek().bytes() <= maxBytes)) {
                PendingPut put = l.waiting.poll();
                bytes += put.bytes();
                batch.add(put);
            }
            if (batch.isEmpty()) {
                l.inFlight--;
                return l.inFlight == 0 ? null : l;
            }
            return l;
        });
        return batch.isEmpty() ? null : batch;
    }
}
