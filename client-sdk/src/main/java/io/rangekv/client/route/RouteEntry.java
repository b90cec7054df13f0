package io.rangekv.client.route;

import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;

import java.util.Optional;

/** A cached region and the client's best guess at its leader (absent: ask any replica, it will say). */
public record RouteEntry(Region region, Optional<Peer> leader) {
    public static RouteEntry of(Region region) {
        return new RouteEntry(region, Optional.empty());
    }

    public RouteEntry withLeader(Peer newLeader) {
        return new RouteEntry(region, Optional.of(newLeader));
    }
}
