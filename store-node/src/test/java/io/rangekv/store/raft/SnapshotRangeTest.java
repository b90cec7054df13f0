package io.rangekv.store.raft;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The parts of a RaftSnapshot's range an install may touch: its range minus the other regions hosted here. */
class SnapshotRangeTest {
    private static KeyRange r(String start, String end) {
        return new KeyRange(Key.of(start), Key.of(end));
    }

    @Test
    void holesAreCutOutInKeyOrder() {
        assertEquals(List.of(r("a", "c"), r("e", "g")),
                RegionSnapshotFile.without(r("a", "g"), List.of(r("c", "e"))));
        assertEquals(List.of(r("", "c")), RegionSnapshotFile.without(r("", ""), List.of(r("c", ""))));
        assertEquals(List.of(r("b", "c"), r("d", "e")),
                RegionSnapshotFile.without(r("a", "f"), List.of(r("e", "z"), r("0", "b"), r("c", "d"))));
        assertEquals(List.of(), RegionSnapshotFile.without(r("b", "c"), List.of(r("a", "z"))));
        assertEquals(List.of(r("a", "g")), RegionSnapshotFile.without(r("a", "g"), List.of()));
    }
}
