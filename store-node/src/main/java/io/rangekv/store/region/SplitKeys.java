package io.rangekv.store.region;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.engine.RangeTally;

import java.util.Optional;

/**
 * Picks where to split a region when the PD leaves it to the store: the first key at which half the region's bytes
 * lie below. Walks the range (linear), so it runs on the heartbeat thread, never on a request path.
 */
public final class SplitKeys {
    private SplitKeys() {
    }

    /** The key that halves {@code range} by bytes, or empty when the range has fewer than two keys. */
    public static Optional<Key> middle(Engine engine, KeyRange range) {
        byte[] from = Keys.dataStart(range);
        byte[] to = Keys.dataEnd(range);
        long total = engine.approximateSize(from, to);
        if (total <= 0) {
            // Statistics may not see unflushed writes yet: count exactly.
            total = RangeTally.of(engine, from, to).bytes();
        }
        long seen = 0;
        try (EngineIterator it = engine.iterator(from, to, false)) {
            for (; it.isValid(); it.next()) {
                seen += it.key().length + it.value().length;
                if (seen * 2 >= total) {
                    it.next();
                    if (!it.isValid()) {
                        break;
                    }
                    Key key = Key.wrap(Keys.userKey(it.key()));
                    return range.isStrictlyInside(key) ? Optional.of(key) : Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
