package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;

import java.util.Optional;

/** A region as the schedulers see it: its recorded descriptor and, when reported, its leader. */
public record RegionView(Region region, Optional<Peer> leader) {
    public long regionId() {
        return region.regionId();
    }

    public boolean ledBy(long storeId) {
        return leader.filter(l -> l.storeId() == storeId).isPresent();
    }
}
