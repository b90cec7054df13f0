package io.rangekv.pd.schedule;

import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;

/**
 * What the PD tells one store to do with one of its replicas, decided on the decision thread and delivered in the
 * store's next heartbeat reply (the wire form is {@code pd.proto}'s {@code StoreInstruction}).
 */
public sealed interface StoreInstruction {
    long storeId();

    long regionId();

    /** Why, for the log. */
    String why();

    /** Start a replica from the region's initial descriptor (the region's leader then catches it up). */
    record CreateReplica(long storeId, Region initial, long peerId, String why) implements StoreInstruction {
        @Override
        public long regionId() {
            return initial.regionId();
        }
    }

    /**
     * Stop serving: the replica's data differs from the region's other replicas (the consistency check). It gives
     * up leadership and answers nothing until the PD has replaced it.
     */
    record QuarantineReplica(long storeId, long regionId, long peerId, String why) implements StoreInstruction {
    }

    /**
     * Stop the replica, and drop its keys unless another replica on the store holds them. The store obeys only
     * while its own replica is older than {@code epoch} (or no longer lists itself): a replica that has moved on
     * past what the PD knows is kept.
     */
    record DestroyReplica(long storeId, long regionId, RegionEpoch epoch, long peerId, String why)
            implements StoreInstruction {
        /** Whatever replica of the region the store runs (0: any peer id). */
        public DestroyReplica(long storeId, long regionId, RegionEpoch epoch, String why) {
            this(storeId, regionId, epoch, 0, why);
        }

        public DestroyReplica {
            if (epoch.confVersion() == Long.MAX_VALUE || epoch.version() == Long.MAX_VALUE) {
                // An epoch no replica can reach makes every store obey, whatever it holds: never send one.
                throw new IllegalArgumentException("no real region has epoch " + epoch);
            }
        }
    }
}
