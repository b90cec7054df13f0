package io.rangekv.store.region;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rangekv.proto.gen.CommandProto;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineReader;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.WriteBatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A region's memory of which client mutations it applied, so that a request retried after an unknown outcome
 * applies each mutation at most once (range-safety hazard 8: without it, put(k,v1) retried after another client's
 * put(k,v2) let readers see v1, v2, v1).
 *
 * <p>Per client (random 64-bit id): {@code floor}, below which every seq counts as applied (the client had its
 * answer or gave up, so any copy still arriving is a late duplicate), the seqs applied here at or above the floor
 * (sorted intervals), and the latest proposal stamp of its entries. The client sends its lowest unanswered seq with
 * every write; that raises the floor and lets the table forget. One record per client under the region's meta
 * prefix ({@link Keys#dedup}), written in the same batch as the data and applied index; in RaftSnapshots; copied to
 * the child on a split; unioned on a merge.
 *
 * <p><b>Expiry</b>, deterministic: the table's clock is the highest proposal stamp it has seen (a leader's wall
 * clock carried in the entry, never the applier's). A client whose last entry is more than {@link #EXPIRY_MS} older
 * than that clock is treated as absent; its record is deleted at some later flush (when does not matter: an
 * expired record and a deleted one mean the same). So a client must not retry a write for longer than that.
 *
 * <p><b>Concurrency</b>: confined to the region's apply thread, like {@link CommandApplier}.
 */
public final class DedupTable {
    /** A client silent for this long (by the entries' stamps) is forgotten. Far above any client's request timeout. */
    public static final long EXPIRY_MS = 10 * 60_000L;

    /** One client's record. */
    static final class Client {
        long floor;
        long lastSeen;
        /** Applied seqs at or above {@code floor}: start to exclusive end, disjoint, not adjacent. */
        final TreeMap<Long, Long> applied = new TreeMap<>();

        boolean hasApplied(long seq) {
            if (seq < floor) {
                return true;
            }
            Map.Entry<Long, Long> e = applied.floorEntry(seq);
            return e != null && seq < e.getValue();
        }

        void record(long seq) {
            recordRange(seq, seq + 1);
        }

        /** Adds {@code [start, end)}, merging with the intervals it overlaps or touches. */
        void recordRange(long start, long end) {
            start = Math.max(start, floor);
            if (end <= start) {
                return;
            }
            Map.Entry<Long, Long> below = applied.floorEntry(start);
            if (below != null && below.getValue() >= start) {
                start = below.getKey();
                end = Math.max(end, below.getValue());
                applied.remove(below.getKey());
            }
            for (Map.Entry<Long, Long> next = applied.ceilingEntry(start); next != null && next.getKey() <= end;
                 next = applied.ceilingEntry(start)) {
                end = Math.max(end, next.getValue());
                applied.remove(next.getKey());
            }
            applied.put(start, end);
        }

        void raiseFloor(long newFloor) {
            if (newFloor <= floor) {
                return;
            }
            floor = newFloor;
            while (!applied.isEmpty() && applied.firstKey() < newFloor) {
                Map.Entry<Long, Long> first = applied.pollFirstEntry();
                if (first.getValue() > newFloor) {
                    applied.put(newFloor, first.getValue());
                }
            }
        }

        /** Unions {@code other} into this record (a merge: both describe the same client). */
        void absorb(Client other) {
            lastSeen = Math.max(lastSeen, other.lastSeen);
            for (Map.Entry<Long, Long> e : other.applied.entrySet()) {
                recordRange(e.getKey(), e.getValue());
            }
            raiseFloor(Math.max(floor, other.floor));
        }

        byte[] encode() {
            CommandProto.DedupRecord.Builder b = CommandProto.DedupRecord.newBuilder()
                    .setFloor(floor).setLastSeenMs(lastSeen);
            for (Map.Entry<Long, Long> e : applied.entrySet()) {
                b.addApplied(e.getKey()).addApplied(e.getValue());
            }
            return b.build().toByteArray();
        }

        static Client decode(byte[] bytes) {
            CommandProto.DedupRecord pb;
            try {
                pb = CommandProto.DedupRecord.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("corrupt write-deduplication record: " + e.getMessage(), e);
            }
            if (pb.getAppliedCount() % 2 != 0) {
                throw new IllegalStateException("corrupt write-deduplication record: odd interval list");
            }
            Client c = new Client();
            c.floor = pb.getFloor();
            c.lastSeen = pb.getLastSeenMs();
            for (int i = 0; i < pb.getAppliedCount(); i += 2) {
                c.applied.put(pb.getApplied(i), pb.getApplied(i + 1));
            }
            return c;
        }
    }

    private final Map<Long, Client> clients = new HashMap<>();
    private final Set<Long> dirty = new HashSet<>();
    private final List<Long> removed = new ArrayList<>();
    /** The highest proposal stamp seen: always the highest {@code lastSeen} of a live record. */
    private long clock;
    private long sweptAt;

    /** Replaces the table with the records stored for {@code regionId} in {@code reader}. */
    public void load(EngineReader reader, long regionId) {
        clients.clear();
        dirty.clear();
        removed.clear();
        clock = 0;
        try (EngineIterator it = reader.iterator(Keys.dedupStart(regionId), Keys.dedupEnd(regionId), false)) {
            for (; it.isValid(); it.next()) {
                Client c = Client.decode(it.value());
                clients.put(Keys.clientIdOfDedup(it.key()), c);
                clock = Math.max(clock, c.lastSeen);
            }
        }
        sweptAt = clock;
    }

    private boolean isLive(Client c) {
        return c.lastSeen >= clock - EXPIRY_MS;
    }

    /**
     * The live record of {@code clientId} as renewed by an entry stamped {@code proposedAt} that says the client has
     * its answers below {@code answeredBelow}; created when the client is unknown or expired.
     */
    Client admit(long clientId, long answeredBelow, long proposedAt) {
        clock = Math.max(clock, proposedAt);
        Client c = clients.get(clientId);
        if (c == null || !isLive(c)) {
            c = new Client();
            clients.put(clientId, c);
        }
        c.lastSeen = Math.max(c.lastSeen, proposedAt);
        c.raiseFloor(answeredBelow);
        dirty.add(clientId);
        return c;
    }

    /** True when {@code seq} of {@code clientId} counts as applied here (test and diagnostics use). */
    public boolean hasApplied(long clientId, long seq) {
        Client c = clients.get(clientId);
        return c != null && isLive(c) && c.hasApplied(seq);
    }

    /** Live clients. */
    public int size() {
        return (int) clients.values().stream().filter(this::isLive).count();
    }

    /**
     * Adds the records changed since the last call to {@code batch} under {@code regionId}, and deletes expired ones
     * now and then (a quarter of the expiry time apart, by the table's clock).
     */
    public void stage(WriteBatch batch, long regionId) {
        if (clock - sweptAt >= EXPIRY_MS / 4) {
            sweptAt = clock;
            clients.entrySet().removeIf(e -> {
                if (isLive(e.getValue())) {
                    return false;
                }
                removed.add(e.getKey());
                dirty.remove(e.getKey());
                return true;
            });
        }
        for (long id : removed) {
            batch.delete(Keys.dedup(regionId, id));
        }
        removed.clear();
        for (long id : dirty) {
            batch.put(Keys.dedup(regionId, id), clients.get(id).encode());
        }
        dirty.clear();
    }

    /** Writes a copy of every live record under {@code childRegionId} (a split: the child inherits the memory). */
    public void copyTo(WriteBatch batch, long childRegionId) {
        clients.forEach((id, c) -> {
            if (isLive(c)) {
                batch.put(Keys.dedup(childRegionId, id), c.encode());
            }
        });
    }

    /** Unions the records stored for {@code sourceRegionId} into this table (a merge; the source is frozen). */
    public void absorb(EngineReader reader, long sourceRegionId) {
        DedupTable source = new DedupTable();
        source.load(reader, sourceRegionId);
        clock = Math.max(clock, source.clock);
        source.clients.forEach((id, theirs) -> {
            if (!source.isLive(theirs)) {
                return;
            }
            Client ours = clients.get(id);
            if (ours == null || !isLive(ours)) {
                Client copy = Client.decode(theirs.encode());
                clients.put(id, copy);
            } else {
                ours.absorb(theirs);
            }
            dirty.add(id);
        });
    }
}
