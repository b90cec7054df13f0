package io.rangekv.client.route;

import com.github.benmanes.caffeine.cache.Ticker;
import io.rangekv.meta.Key;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * The read side of {@link RouteCache}: every cached region in start-key order, laid out so that a lookup touches a
 * few arrays and the one {@link RouteEntry} it returns, never the Region, KeyRange or Key objects unless two
 * 8-byte prefixes tie.
 *
 * <p>Per slot: the start key's first eight bytes as an unsigned {@code long}, the end key's prefix
 * ({@link #UNBOUNDED} for an unbounded end), the full keys for ties, the entry and the ticker time it was written,
 * for expiry. Ordering by prefix agrees with key order except that different keys may share a prefix; only then are
 * the keys compared. The layout (blocks of eight slots under a small summary) is for the cache: at 100k regions
 * with random keys, misses to L3 or memory are most of a lookup's cost (bench/results/2026-12-03-route-cache.md).
 *
 * <p><b>Concurrency</b>: published through a volatile field and never changed, except that a leader hint
 * ({@link #replaceEntry}) swaps one slot's entry and write time in place, so that frequent hints do not keep
 * lookups off the index. The swap writes the time and then the entry with release stores and lookups read the
 * entry and then the time with acquire loads: a lookup that sees the new entry sees its time. The key range of a
 * slot never changes; anything that changes ranges builds a new index. Swaps are serialized by the caller.
 */
final class StartIndex {
    /** The end prefix of an unbounded range: no key's prefix is greater, and a tie is settled by the full key. */
    static final long UNBOUNDED = -1L;

    private static final VarHandle BIG_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(RouteEntry[].class);
    private static final VarHandle TIME = MethodHandles.arrayElementVarHandle(long[].class);

    /** Slots per block: eight start prefixes are one cache line (or two, as the array happens to be aligned). */
    private static final int BLOCK = 8;
    /** Longs per block in {@link #blocks}: eight start prefixes, then their eight end prefixes, eight write times. */
    private static final int STRIDE = 3 * BLOCK;

    /**
     * Per block of eight slots, 192 contiguous bytes: the start prefixes, the end prefixes, the write times. Prefixes
     * have the sign bit flipped, so that signed order is the prefixes' unsigned order. The last block is padded
     * with the greatest value, which ties with (never falls below) any key whose prefix is all ones; ties are settled
     * over the real slots only. One block holds everything a lookup reads after choosing the block except the
     * entry, so those reads can go to memory together rather than one after another.
     */
    private final long[] blocks;
    /** The first flipped start prefix of every block: 1/8 of the slots (100 KB at 100k regions), searched first. */
    private final long[] blockFirsts;
    private final Key[] starts;
    private final Key[] ends;
    private final RouteEntry[] entries;

    private StartIndex(long[] blocks, long[] blockFirsts, Key[] starts, Key[] ends, RouteEntry[] entries) {
        this.blocks = blocks;
        this.blockFirsts = blockFirsts;
        this.starts = starts;
        this.ends = ends;
        this.entries = entries;
    }

    private static int startAt(int slot) {
        return (slot >>> 3) * STRIDE + (slot & (BLOCK - 1));
    }

    private static int endAt(int slot) {
        return startAt(slot) + BLOCK;
    }

    private static int timeAt(int slot) {
        return startAt(slot) + 2 * BLOCK;
    }

    /** Copies {@code byStart}; if it changes meanwhile the copy may be inconsistent, and the caller discards it. */
    static StartIndex of(NavigableMap<Key, RouteCache.Cached> byStart) {
        List<Map.Entry<Key, RouteCache.Cached>> slots = new ArrayList<>(byStart.entrySet());
        int n = slots.size();
        int blockCount = (n + BLOCK - 1) / BLOCK;
        long[] blocks = new long[blockCount * STRIDE];
        long[] blockFirsts = new long[blockCount];
        Key[] starts = new Key[n];
        Key[] ends = new Key[n];
        RouteEntry[] entries = new RouteEntry[n];
        for (int i = 0; i < blockCount * BLOCK; i++) {
            if (i >= n) {
                blocks[startAt(i)] = Long.MAX_VALUE;
                continue;
            }
            RouteCache.Cached cached = slots.get(i).getValue();
            Key start = slots.get(i).getKey();
            Key end = cached.entry().region().range().end();
            starts[i] = start;
            ends[i] = end;
            entries[i] = cached.entry();
            blocks[startAt(i)] = flip(prefix(start));
            blocks[endAt(i)] = flip(end.isEmpty() ? UNBOUNDED : prefix(end));
            blocks[timeAt(i)] = cached.writtenNanos();
        }
        for (int b = 0; b < blockCount; b++) {
            blockFirsts[b] = blocks[b * STRIDE];
        }
        return new StartIndex(blocks, blockFirsts, starts, ends, entries);
    }

    private static long flip(long unsigned) {
        return unsigned ^ Long.MIN_VALUE;
    }

    /** The first eight bytes, zero-padded: ordering by it (unsigned) agrees with key order up to ties. */
    static long prefix(Key key) {
        byte[] bytes = key.unsafeBytes();
        if (bytes.length >= 8) {
            return (long) BIG_ENDIAN_LONG.get(bytes, 0);
        }
        long p = 0;
        for (int i = 0; i < 8; i++) {
            p = (p << 8) | (i < bytes.length ? bytes[i] & 0xff : 0);
        }
        return p;
    }

    /**
     * The entry whose range holds {@code key}, or null when no cached range holds it or the one that does was
     * written {@code ttlNanos} or more before {@code ticker}'s now (expired, as Caffeine's expireAfterWrite counts).
     * The ticker is read only when a range holds the key.
     */
    RouteEntry find(Key key, Ticker ticker, long ttlNanos) {
        long p = prefix(key);
        int slot = floorSlot(key, p);
        if (slot < 0) {
            return null;
        }
        // The floor's start is at or below the key; the key is inside if it is below the end.
        long end = blocks[endAt(slot)];
        long fp = flip(p);
        if (fp > end || (fp == end && !ends[slot].isEmpty() && key.compareTo(ends[slot]) >= 0)) {
            return null;
        }
        RouteEntry entry = (RouteEntry) ENTRY.getAcquire(entries, slot);
        long written = (long) TIME.getAcquire(blocks, timeAt(slot));
        return ticker.read() - written >= ttlNanos ? null : entry;
    }

    /** The slot with the greatest start at or below {@code key} (whose prefix is {@code p}), or -1. */
    private int floorSlot(Key key, long p) {
        long[] firsts = blockFirsts;
        int n = firsts.length;
        if (n == 0) {
            return -1;
        }
        long fp = flip(p);
        // Two levels: the block summary (small enough to stay in L2), then the eight prefixes of one block, so a
        // lookup misses the cache about once in the search instead of at every step of it. Both steps are
        // branch-free (conditional moves and a count): with random keys each step's direction is a coin toss, and
        // a mispredicted branch costs more than the step.
        int block = 0;
        while (n > 1) {
            int half = n >>> 1;
            block = firsts[block + half] <= fp ? block + half : block;
            n -= half;
        }
        if (firsts[block] > fp) {
            return -1; // every start is above the key
        }
        long[] a = blocks;
        int base = block * STRIDE;
        int last = 0;
        for (int i = 1; i < BLOCK; i++) {
            last += a[base + i] <= fp ? 1 : 0;
        }
        // last is the block's last slot whose prefix is at or below p.
        return a[base + last] == fp ? floorSlotComparingKeys(key, fp) : block * BLOCK + last;
    }

    /** The floor search again with the full key compared on ties: only when the key's prefix is some start's. */
    private int floorSlotComparingKeys(Key key, long fp) {
        int lo = 0;
        int hi = entries.length - 1; // the real slots, not the padding
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compare(blocks[startAt(mid)], fp);
            if (c == 0) {
                c = starts[mid].compareTo(key);
            }
            if (c <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The region id with the greatest start key at or below {@code key}, or 0 when there is none (for tests). */
    long floor(Key key) {
        int slot = floorSlot(key, prefix(key));
        return slot < 0 ? 0 : entries[slot].region().regionId();
    }

    /**
     * Swaps {@code old} for {@code updated} (same region, same range) in place. False when this index does not hold
     * {@code old} at its start; the caller then drops the index. Callers serialize swaps.
     */
    boolean replaceEntry(RouteEntry old, RouteEntry updated, long writtenAt) {
        Key start = old.region().range().start();
        int slot = floorSlot(start, prefix(start));
        if (slot < 0 || ENTRY.getAcquire(entries, slot) != old) {
            return false;
        }
        TIME.setRelease(blocks, timeAt(slot), writtenAt);
        ENTRY.setRelease(entries, slot, updated);
        return true;
    }
}
