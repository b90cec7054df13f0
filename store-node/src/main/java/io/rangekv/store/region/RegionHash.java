package io.rangekv.store.region;

import io.rangekv.meta.KeyRange;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineReader;
import io.rangekv.store.engine.Keys;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One replica's consistency-check hash: the region's data (every key and value in its range, in key order) as of
 * the ComputeHash entry at {@code appliedIndex}. Replicas that applied the same log hash alike; the PD compares them.
 * SHA-256, cut to 64 bits: a diverged replica is found with certainty for any practical count of checks.
 */
public record RegionHash(long appliedIndex, long hash) {

    /** Hashes {@code range} as {@code view} sees it. Runs on a snapshot thread: reads the whole range. */
    public static RegionHash of(long appliedIndex, KeyRange range, EngineReader view) {
        MessageDigest digest = sha256();
        ByteBuffer lengths = ByteBuffer.allocate(8);
        try (EngineIterator it = view.iterator(Keys.dataStart(range), Keys.dataEnd(range), false)) {
            for (; it.isValid(); it.next()) {
                byte[] key = it.key();
                byte[] value = it.value();
                // Lengths first, so that no two different key/value sequences hash the same bytes.
                lengths.clear();
                lengths.putInt(key.length).putInt(value.length);
                digest.update(lengths.array());
                digest.update(key);
                digest.update(value);
            }
        }
        return new RegionHash(appliedIndex, ByteBuffer.wrap(digest.digest()).getLong());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
