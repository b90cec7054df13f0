package io.rangekv.store.raft.log;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rangekv.proto.gen.CommandProto;
import io.rangekv.store.raft.RegionStateCodec;
import io.rangekv.store.region.RegionCatalog;

import java.util.ArrayList;
import java.util.List;

/** {@link RegionCatalog} in the store's Raft log database, under its own key prefix, written with sync. */
public final class RaftLogRegionCatalog implements RegionCatalog {
    private final RaftLogDb db;

    public RaftLogRegionCatalog(RaftLogDb db) {
        this.db = db;
    }

    @Override
    public void remember(Entry entry) {
        byte[] value = CommandProto.CatalogEntry.newBuilder()
                .setFreshState(RegionStateCodec.toProto(entry.fresh()))
                .setParentRegionId(entry.parentRegionId())
                .setParentIndex(entry.parentIndex())
                .build().toByteArray();
        db.putCatalog(entry.regionId(), value);
    }

    @Override
    public void forget(long regionId) {
        db.deleteCatalog(regionId);
    }

    @Override
    public List<Entry> recall() {
        List<Entry> entries = new ArrayList<>();
        for (byte[] value : db.listCatalog()) {
            try {
                CommandProto.CatalogEntry pb = CommandProto.CatalogEntry.parseFrom(value);
                entries.add(new Entry(RegionStateCodec.fromProto(pb.getFreshState()), pb.getParentRegionId(),
                        pb.getParentIndex()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("corrupt region catalog entry: " + e.getMessage(), e);
            }
        }
        return entries;
    }
}
