package io.rangekv.client;

import io.rangekv.meta.Key;

import java.util.Arrays;

/** A key and its value (empty for keys-only scans). */
public record KvPair(Key key, byte[] value) {
    @Override
    public boolean equals(Object o) {
        return o instanceof KvPair p && key.equals(p.key) && Arrays.equals(value, p.value);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return key + "=" + value.length + "B";
    }
}
