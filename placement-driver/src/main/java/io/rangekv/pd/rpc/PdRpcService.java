package io.rangekv.pd.rpc;

import io.rangekv.concurrent.Futures;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
import io.rangekv.meta.Key;
import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.pd.IdAllocator;
import io.rangekv.pd.PdConfig;
import io.rangekv.pd.PdMember;
import io.rangekv.pd.heartbeat.HeartbeatHandler;
import io.rangekv.pd.heartbeat.RegionStatsBook;
import io.rangekv.pd.heartbeat.StoreStatsBook;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.pd.raft.PdRaftGroup;
import io.rangekv.proto.gen.ErrorProto;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.ErrorCodec;
import io.rangekv.wire.MetaCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Answers PD requests: proto in, proto out. Only the ready leader answers; other members say NOT_LEADER with the
 * leader's RPC address. Queries read {@link ClusterMetadata} directly; heartbeats go to the {@link HeartbeatHandler}
 * on the {@code pd-schedule} thread. Every error becomes an error response, never a dropped request.
 */
public final class PdRpcService {
    private static final Logger LOG = LoggerFactory.getLogger(PdRpcService.class);

    private final PdConfig config;
    private final PdRaftGroup raft;
    private final ClusterMetadata metadata;
    private final HeartbeatHandler heartbeats;
    private final StoreStatsBook storeStats;
    private final RegionStatsBook regionStats;
    private final IdAllocator ids;
    private final Executor schedule;

    public PdRpcService(PdConfig config, PdRaftGroup raft, ClusterMetadata metadata, HeartbeatHandler heartbeats,
                        StoreStatsBook storeStats, RegionStatsBook regionStats, IdAllocator ids,
                        Executor schedule) {
        this.config = config;
        this.raft = raft;
        this.metadata = metadata;
        this.heartbeats = heartbeats;
        this.storeStats = storeStats;
        this.regionStats = regionStats;
        this.ids = ids;
        this.schedule = schedule;
    }

    public CompletableFuture<PdProto.PdResponse> handle(PdProto.PdRequest request) {
        PdProto.PdResponse.Builder out = PdProto.PdResponse.newBuilder().setRequestId(request.getRequestId());
        if (request.getMethodCase() == PdProto.PdRequest.MethodCase.GET_MEMBERS) {
            return CompletableFuture.completedFuture(out.setGetMembers(members()).build());
        }
        if (!raft.isReadyLeader()) {
            return CompletableFuture.completedFuture(out.setError(notLeader()).build());
        }
        CompletableFuture<PdProto.PdResponse.Builder> answer;
        try {
            answer = dispatch(request, out);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((built, error) -> {
            if (error == null) {
                return built.build();
            }
            Throwable cause = Futures.unwrap(error);
            KvException kv = cause instanceof KvException k ? k
                    : new RequestException(ErrorKind.UNKNOWN, "PD failed: " + cause);
            if (!(cause instanceof KvException)) {
                LOG.warn("PD request {} failed", request.getMethodCase(), cause);
            }
            return out.clearResult().setError(ErrorCodec.toProto(kv)).build();
        });
    }

    private CompletableFuture<PdProto.PdResponse.Builder> dispatch(PdProto.PdRequest request,
                                                                   PdProto.PdResponse.Builder out) {
        return switch (request.getMethodCase()) {
            case PUT_STORE -> onSchedule(() -> heartbeats.onPutStore(request.getPutStore()))
                    .thenApply(out::setPutStore);
            case STORE_HEARTBEAT -> onSchedule(() -> heartbeats.onStoreHeartbeat(request.getStoreHeartbeat()))
                    .thenApply(out::setStoreHeartbeat);
            case REGION_HEARTBEAT -> onSchedule(() -> heartbeats.onRegionHeartbeat(request.getRegionHeartbeat()))
                    .thenApply(out::setRegionHeartbeat);
            case GET_REGION -> CompletableFuture.completedFuture(out.setGetRegion(
                    PdProto.GetRegionResponse.newBuilder().setRegion(info(getRegion(request.getGetRegion())))));
            case SCAN_REGIONS -> {
                PdProto.ScanRegionsRequest scan = request.getScanRegions();
                PdProto.ScanRegionsResponse.Builder regions = PdProto.ScanRegionsResponse.newBuilder();
                metadata.scanRegions(MetaCodec.keyFromProto(scan.getStartKey()),
                        MetaCodec.keyFromProto(scan.getEndKey()), scan.getLimit())
                        .forEach(r -> regions.addRegions(info(r)));
                yield CompletableFuture.completedFuture(out.setScanRegions(regions));
            }
            case GET_STORE -> {
                long storeId = request.getGetStore().getStoreId();
                Store store = metadata.store(storeId).orElseThrow(() ->
                        RequestException.invalidArgument("no store " + storeId));
                yield CompletableFuture.completedFuture(out.setGetStore(
                        PdProto.GetStoreResponse.newBuilder().setStore(MetaCodec.toProto(observed(store)))));
            }
            case LIST_STORES -> {
                PdProto.ListStoresResponse.Builder list = PdProto.ListStoresResponse.newBuilder();
                metadata.stores().forEach(s -> list.addStores(storeInfo(s)));
                yield CompletableFuture.completedFuture(out.setListStores(list));
            }
            case ALLOC_IDS -> {
                int count = Math.max(1, request.getAllocIds().getCount());
                yield ids.allocate(count).thenApply(first -> out.setAllocIds(
                        PdProto.AllocIdsResponse.newBuilder().setFirst(first).setCount(count)));
            }
            default -> throw new RequestException(ErrorKind.UNKNOWN_METHOD,
                    "unknown PD method " + request.getMethodCase());
        };
    }

    private <T> CompletableFuture<T> onSchedule(Supplier<CompletableFuture<T>> work) {
        return CompletableFuture.supplyAsync(work, schedule).thenCompose(f -> f);
    }

    private Region getRegion(PdProto.GetRegionRequest get) {
        Optional<Region> found = switch (get.getByCase()) {
            case KEY -> metadata.regionByKey(MetaCodec.keyFromProto(get.getKey()));
            case REGION_ID -> metadata.regionById(get.getRegionId());
            case BEFORE_KEY -> metadata.regionBefore(MetaCodec.keyFromProto(get.getBeforeKey()));
            case BY_NOT_SET -> throw RequestException.invalidArgument("get_region needs a key, an id or before_key");
        };
        if (get.getByCase() == PdProto.GetRegionRequest.ByCase.REGION_ID) {
            return found.orElseThrow(() -> new RegionException.RegionNotFound(get.getRegionId()));
        }
        // No region holds these keys yet (not bootstrapped, or a split child not reported yet): soon one will, so
        // the caller backs off and asks again within its deadline.
        return found.orElseThrow(() -> RetryableException.serverBusy(Duration.ofMillis(200), metadata.isBootstrapped()
                ? "no region is recorded for this key yet" : "the cluster is not bootstrapped yet"));
    }

    public PdProto.RegionInfo info(Region region) {
        PdProto.RegionInfo.Builder b = PdProto.RegionInfo.newBuilder().setRegion(MetaCodec.toProto(region));
        regionStats.latest(region.regionId())
                .filter(stats -> region.peer(stats.leader().peerId()).isPresent())
                .ifPresent(stats -> stats.fill(b));
        return b.build();
    }

    public PdProto.StoreInfo storeInfo(Store store) {
        PdProto.StoreInfo.Builder b = PdProto.StoreInfo.newBuilder().setStore(MetaCodec.toProto(observed(store)));
        storeStats.latest(store.storeId()).ifPresent(e -> b.setStats(e.stats()));
        storeStats.silence(store.storeId()).ifPresent(d -> b.setLastHeartbeatAgoMs(Math.max(1, d.toMillis())));
        return b.build();
    }

    private Store observed(Store store) {
        return new Store(store.storeId(), store.kvAddress(), store.raftAddress(), store.labels(),
                heartbeats.observedState(store.storeId(), store.state()));
    }

    private ErrorProto.Error notLeader() {
        String leader = raft.leader().map(PdMember::rpcAddress).orElse("");
        return ErrorProto.Error.newBuilder().setCode(ErrorProto.ErrorCode.NOT_LEADER)
                .setMessage("PD member " + config.memberId() + " is not the leader"
                        + (leader.isEmpty() ? " and knows no leader yet" : "; the leader is at " + leader))
                .setNotLeader(ErrorProto.NotLeader.newBuilder().setLeaderAddress(leader))
                .build();
    }

    private PdProto.GetMembersResponse members() {
        PdProto.GetMembersResponse.Builder b = PdProto.GetMembersResponse.newBuilder();
        config.members().forEach(m -> b.addMembers(m.toProto()));
        raft.leader().ifPresent(l -> b.setLeader(l.toProto()));
        return b.build();
    }
}
