package io.rangekv.store.cluster;

import io.rangekv.client.rpc.StoreClientPool;
import io.rangekv.meta.Region;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the live stores say about regions, gathered by asking each one (list_regions): the newest epoch of every
 * region and the store that claims to lead it. Test clients route with it until the placement driver exists.
 */
record RegionDiscovery(Map<Long, Region> newest, Map<Long, Long> leaderStore) {
    static RegionDiscovery ask(StoreClientPool pool, Map<Long, String> liveStores) {
        Map<Long, Region> newest = new HashMap<>();
        Map<Long, Long> leaders = new HashMap<>();
        for (Map.Entry<Long, String> store : liveStores.entrySet()) {
            try {
                KvProto.Response response = pool.call(store.getValue(), KvProto.Request.newBuilder()
                                .setListRegions(KvProto.ListRegionsRequest.getDefaultInstance()),
                        Deadline.after(Duration.ofSeconds(2))).get(3, TimeUnit.SECONDS);
                for (KvProto.RegionStatusResponse status : response.getListRegions().getRegionsList()) {
                    Region region = MetaCodec.fromProto(status.getRegion());
                    newest.merge(region.regionId(), region, (a, b) -> a.epoch().isStaleComparedTo(b.epoch()) ? b : a);
                    if (status.getLeader()) {
                        leaders.put(region.regionId(), store.getKey());
                    }
                }
            } catch (Exception e) {
                // A store that is down or slow contributes nothing this round.
            }
        }
        return new RegionDiscovery(newest, leaders);
    }
}
