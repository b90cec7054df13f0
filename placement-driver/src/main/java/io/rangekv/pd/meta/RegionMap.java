package io.rangekv.pd.meta;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Region;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The regions the PD knows, by id and in key order, with the rule that decides which of two descriptions of the
 * same keys wins: the newer epoch. Not thread-safe; {@link ClusterMetadata} guards it.
 */
final class RegionMap {
    private final TreeMap<Key, Region> byStart = new TreeMap<>();
    private final Map<Long, Region> byId = new HashMap<>();

    /**
     * Records {@code region} unless something the map holds is newer: the same region with a newer epoch, or an
     * overlapping region with a higher version (a stale report from before a split). Overlapping regions that are
     * not newer are dropped: {@code region} replaces them.
     *
     * @return true when the map changed
     */
    boolean put(Region region) {
        Region same = byId.get(region.regionId());
        if (same != null) {
            if (same.equals(region) || !isNewer(region, same)) {
                return false;
            }
        }
        List<Region> overlapping = overlapping(region.range());
        for (Region other : overlapping) {
            if (other.regionId() != region.regionId()
                    && Long.compare(other.epoch().version(), region.epoch().version()) > 0) {
                return false;
            }
        }
        if (same != null) {
            remove(same);
        }
        overlapping.forEach(this::remove);
        byStart.put(region.range().start(), region);
        byId.put(region.regionId(), region);
        return true;
    }

    /** Newer: neither field older, and not equal. */
    private static boolean isNewer(Region candidate, Region recorded) {
        return !candidate.epoch().isStaleComparedTo(recorded.epoch()) && !candidate.epoch().equals(recorded.epoch());
    }

    private void remove(Region region) {
        byStart.remove(region.range().start(), region);
        byId.remove(region.regionId(), region);
    }

    Optional<Region> byId(long regionId) {
        return Optional.ofNullable(byId.get(regionId));
    }

    Optional<Region> byKey(Key key) {
        Map.Entry<Key, Region> floor = byStart.floorEntry(key);
        return floor != null && floor.getValue().contains(key) ? Optional.of(floor.getValue()) : Optional.empty();
    }

    /** The region holding the keys just below {@code key}; an empty key means the last region. */
    Optional<Region> before(Key key) {
        if (key.isEmpty()) {
            Map.Entry<Key, Region> last = byStart.lastEntry();
            return last != null && last.getValue().range().isEndUnbounded()
                    ? Optional.of(last.getValue()) : Optional.empty();
        }
        Map.Entry<Key, Region> lower = byStart.lowerEntry(key);
        if (lower == null) {
            return Optional.empty();
        }
        KeyRange range = lower.getValue().range();
        return range.isEndUnbounded() || range.end().compareTo(key) >= 0
                ? Optional.of(lower.getValue()) : Optional.empty();
    }

    /** Regions overlapping {@code [start, end)} in key order, at most {@code limit} (0: no limit). */
    List<Region> scan(Key start, Key end, int limit) {
        List<Region> out = new ArrayList<>();
        Map.Entry<Key, Region> first = byStart.floorEntry(start);
        Key from = first != null && first.getValue().contains(start) ? first.getKey() : start;
        for (Region region : byStart.tailMap(from, true).values()) {
            if (!end.isEmpty() && region.range().start().compareTo(end) >= 0) {
                break;
            }
            out.add(region);
            if (limit > 0 && out.size() >= limit) {
                break;
            }
        }
        return out;
    }

    private List<Region> overlapping(KeyRange range) {
        return scan(range.start(), range.end(), 0);
    }

    Collection<Region> all() {
        return List.copyOf(byStart.values());
    }

    int size() {
        return byId.size();
    }

    void clear() {
        byStart.clear();
        byId.clear();
    }
}
