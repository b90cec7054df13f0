package io.rangekv.wire;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;
import io.rangekv.proto.gen.MetaProto;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MetaCodecTest {
    @Test
    void regionRoundTrips() throws Exception {
        Region region = new Region(7, new KeyRange(Key.wrap(new byte[] {0, (byte) 0xff}), Key.of("m")),
                new RegionEpoch(3, 5), List.of(Peer.voter(1, 1), Peer.learner(9, 4)));
        byte[] wire = MetaCodec.toProto(region).toByteArray();
        assertEquals(region, MetaCodec.fromProto(MetaProto.Region.parseFrom(wire)));
    }

    @Test
    void unboundedRegionRoundTrips() {
        Region region = new Region(1, KeyRange.ALL, RegionEpoch.INITIAL, List.of(Peer.voter(1, 1)));
        assertEquals(region, MetaCodec.fromProto(MetaCodec.toProto(region)));
    }

    @Test
    void storeRoundTrips() {
        Store store = new Store(4, "127.0.0.1:20160", "127.0.0.1:20170", Map.of("engine", "lmdb", "zone", "a"),
                StoreState.OFFLINE);
        assertEquals(store, MetaCodec.fromProto(MetaCodec.toProto(store)));
    }
}
