package io.rangekv.store.engine;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The physical key layout inside a store's single engine; the only class that knows it.
 *
 * <pre>
 *   0x01 | regionId (8 bytes, big-endian) | suffix   region-local metadata (never reachable by a user key)
 *          suffix 0x01                              the region's RegionLocalState
 *          suffix 0x02 | clientId (8 bytes)         one client's DedupRecord (seqs of its writes applied here)
 *   0x02 | user key                                   user data, shared by all regions (regions never overlap)
 * </pre>
 *
 * Because data keys are the user keys behind one prefix byte, the engine's order on them is the user-key order, and
 * a split moves no data: it only changes which region's range covers them. Big-endian region ids keep one region's
 * metadata together and in id order.
 */
public final class Keys {
    static final byte META_PREFIX = 0x01;
    static final byte DATA_PREFIX = 0x02;
    /** The first byte after all data keys: the exclusive end of an unbounded data range. */
    private static final byte[] DATA_END = {DATA_PREFIX + 1};

    /** Suffix of the key holding a region's {@code RegionLocalState} (descriptor and applied index). */
    private static final byte STATE_SUFFIX = 0x01;
    /** Suffix of the keys holding a region's write-deduplication records, one per client. */
    private static final byte DEDUP_SUFFIX = 0x02;

    private Keys() {
    }

    public static byte[] data(byte[] userKey) {
        byte[] k = new byte[userKey.length + 1];
        k[0] = DATA_PREFIX;
        System.arraycopy(userKey, 0, k, 1, userKey.length);
        return k;
    }

    public static byte[] data(Key userKey) {
        return data(userKey.unsafeBytes());
    }

    /** The user key inside a physical data key. */
    public static byte[] userKey(byte[] dataKey) {
        if (dataKey.length == 0 || dataKey[0] != DATA_PREFIX) {
            throw new IllegalArgumentException("not a data key");
        }
        return Arrays.copyOfRange(dataKey, 1, dataKey.length);
    }

    /** Inclusive physical start of a user key range. */
    public static byte[] dataStart(KeyRange range) {
        return data(range.start());
    }

    /** Exclusive physical end of a user key range; an unbounded end maps to the end of all data. */
    public static byte[] dataEnd(KeyRange range) {
        return range.isEndUnbounded() ? DATA_END.clone() : data(range.end());
    }

    /** The key of a region's local state record. */
    public static byte[] regionState(long regionId) {
        return ByteBuffer.allocate(10).put(META_PREFIX).putLong(regionId).put(STATE_SUFFIX).array();
    }

    /** Inclusive start of all region state records. */
    public static byte[] regionStateStart() {
        return new byte[] {META_PREFIX};
    }

    /** Exclusive end of all region state records. */
    public static byte[] regionStateEnd() {
        return new byte[] {META_PREFIX + 1};
    }

    /** True for a region state key (the meta prefix also holds other region-local records). */
    public static boolean isRegionState(byte[] key) {
        return key.length == 10 && key[0] == META_PREFIX && key[9] == STATE_SUFFIX;
    }

    /** The key of one client's write-deduplication record in a region. */
    public static byte[] dedup(long regionId, long clientId) {
        return ByteBuffer.allocate(18).put(META_PREFIX).putLong(regionId).put(DEDUP_SUFFIX).putLong(clientId).array();
    }

    /** Inclusive start of a region's write-deduplication records. */
    public static byte[] dedupStart(long regionId) {
        return ByteBuffer.allocate(10).put(META_PREFIX).putLong(regionId).put(DEDUP_SUFFIX).array();
    }

    /** Exclusive end of a region's write-deduplication records. */
    public static byte[] dedupEnd(long regionId) {
        return ByteBuffer.allocate(10).put(META_PREFIX).putLong(regionId).put((byte) (DEDUP_SUFFIX + 1)).array();
    }

    /** The client id inside a write-deduplication key. */
    public static long clientIdOfDedup(byte[] dedupKey) {
        if (dedupKey.length != 18 || dedupKey[0] != META_PREFIX || dedupKey[9] != DEDUP_SUFFIX) {
            throw new IllegalArgumentException("not a write-deduplication key");
        }
        return ByteBuffer.wrap(dedupKey, 10, 8).getLong();
    }

    /** The region id inside a region state key. */
    public static long regionIdOfState(byte[] stateKey) {
        if (stateKey.length != 10 || stateKey[0] != META_PREFIX || stateKey[9] != STATE_SUFFIX) {
            throw new IllegalArgumentException("not a region state key");
        }
        return ByteBuffer.wrap(stateKey, 1, 8).getLong();
    }
}
