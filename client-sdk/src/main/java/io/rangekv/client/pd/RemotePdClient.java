package io.rangekv.client.pd;

import io.rangekv.client.route.RouteEntry;
import io.rangekv.meta.Key;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.rpc.PdRpcClient;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The placement driver over the network: route queries to whichever PD member leads ({@link PdRpcClient} follows
 * it), each bounded by {@code timeout}. Owns its connections ({@code kvclient-pd-*} threads); close it with the
 * client.
 */
public final class RemotePdClient implements PdClient, AutoCloseable {
    /** Store addresses change rarely (a restart on a new port); a minute-old answer costs at most one retry. */
    private static final Duration STORE_TTL = Duration.ofSeconds(60);

    private final PdRpcClient pd;
    private final Duration timeout;
    private final AsyncLoadingCache<Long, Store> stores;

    /** {@code endpoints}: the PD members' RPC addresses ({@code host:port}); any subset that includes one live member. */
    public RemotePdClient(List<String> endpoints, Duration timeout) {
        this.pd = new PdRpcClient(endpoints, "kvclient-pd");
        this.timeout = timeout;
        // A failed lookup is not cached (Caffeine drops failed futures), so the next request asks again.
        this.stores = Caffeine.newBuilder().expireAfterWrite(STORE_TTL).maximumSize(100_000)
                .executor(Runnable::run)
                .buildAsync((storeId, executor) -> fetchStore(storeId));
    }

    @Override
    public CompletableFuture<RouteEntry> regionByKey(Key key) {
        return region(PdProto.GetRegionRequest.newBuilder().setKey(MetaCodec.toProto(key)));
    }

    @Override
    public CompletableFuture<RouteEntry> regionBefore(Key key) {
        return region(PdProto.GetRegionRequest.newBuilder().setBeforeKey(MetaCodec.toProto(key)));
    }

    /** Where a store is; cached per store for a minute, concurrent lookups of one store share one PD call. */
    @Override
    public CompletableFuture<Store> store(long storeId) {
        return stores.get(storeId);
    }

    private CompletableFuture<Store> fetchStore(long storeId) {
        return pd.call(PdProto.PdRequest.newBuilder()
                        .setGetStore(PdProto.GetStoreRequest.newBuilder().setStoreId(storeId)), Deadline.after(timeout))
                .thenApply(r -> MetaCodec.fromProto(r.getGetStore().getStore()));
    }

    /** Every region overlapping {@code [start, end)} in key order, at most {@code limit} (0: all). */
    public CompletableFuture<List<PdProto.RegionInfo>> scanRegions(Key start, Key end, int limit) {
        return pd.call(PdProto.PdRequest.newBuilder().setScanRegions(PdProto.ScanRegionsRequest.newBuilder()
                        .setStartKey(MetaCodec.toProto(start)).setEndKey(MetaCodec.toProto(end)).setLimit(limit)),
                Deadline.after(timeout)).thenApply(r -> r.getScanRegions().getRegionsList());
    }

    private CompletableFuture<RouteEntry> region(PdProto.GetRegionRequest.Builder get) {
        return pd.call(PdProto.PdRequest.newBuilder().setGetRegion(get), Deadline.after(timeout)).thenApply(r -> {
            PdProto.RegionInfo info = r.getGetRegion().getRegion();
            Region region = MetaCodec.fromProto(info.getRegion());
            RouteEntry entry = RouteEntry.of(region);
            return info.hasLeader() ? entry.withLeader(MetaCodec.fromProto(info.getLeader())) : entry;
        });
    }

    @Override
    public void close() {
        pd.close();
    }
}
