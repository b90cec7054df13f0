package io.rangekv.store.cluster;

import com.google.protobuf.ByteString;
import io.rangekv.client.rpc.Responses;
import io.rangekv.client.rpc.StoreClientPool;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.meta.Key;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A deliberately small routing client for store tests: learns regions and leaders by asking the stores, sends each
 * request to the leader, and retries region errors and busy signals until a deadline. The product SDK
 * ({@code KvClient}) does this properly with the placement driver; this one only needs to be obviously right.
 *
 * <p>Thread-safe: several test threads may share one.
 */
public final class TestKvClient implements AutoCloseable {
    private final Supplier<Map<Long, String>> liveStores;
    private final StoreClientPool pool = new StoreClientPool();
    private final Duration timeout;
    private final AtomicLong regionErrors = new AtomicLong();
    private volatile Routes routes = new Routes(new TreeMap<>(), Map.of());

    private record Routes(NavigableMap<Key, Region> byStart, Map<Long, Long> leaderStore) {
    }

    public TestKvClient(Supplier<Map<Long, String>> liveStores, Duration timeout) {
        this.liveStores = liveStores;
        this.timeout = timeout;
    }

    /** How many region errors (NotLeader, EpochNotMatch, …) this client absorbed by retrying. */
    public long regionErrorsAbsorbed() {
        return regionErrors.get();
    }

    public void put(Key key, byte[] value) {
        call(key, KvProto.Request.newBuilder().setPut(KvProto.PutRequest.newBuilder()
                .setKey(MetaCodec.toProto(key)).setValue(ByteString.copyFrom(value))), true, ReadConsistency.LINEARIZABLE);
    }

    public void delete(Key key) {
        call(key, KvProto.Request.newBuilder().setDelete(KvProto.DeleteRequest.newBuilder()
                .setKey(MetaCodec.toProto(key))), true, ReadConsistency.LINEARIZABLE);
    }

    /** The value, or null when absent. */
    public byte[] get(Key key, ReadConsistency consistency) {
        KvProto.GetResponse r = call(key, KvProto.Request.newBuilder().setGet(KvProto.GetRequest.newBuilder()
                .setKey(MetaCodec.toProto(key))), true, consistency).getGet();
        return r.getFound() ? r.getValue().toByteArray() : null;
    }

    public KvProto.CompareAndPutResponse compareAndPut(Key key, byte[] expected, byte[] value) {
        KvProto.CompareAndPutRequest.Builder cas = KvProto.CompareAndPutRequest.newBuilder()
                .setKey(MetaCodec.toProto(key)).setValue(ByteString.copyFrom(value))
                .setExpectAbsent(expected == null);
        if (expected != null) {
            cas.setExpected(ByteString.copyFrom(expected));
        }
        return call(key, KvProto.Request.newBuilder().setCompareAndPut(cas), false, ReadConsistency.LINEARIZABLE)
                .getCompareAndPut();
    }

    /** The region currently serving {@code key}, as the stores report it. */
    public Region regionOf(Key key) {
        Routes r = routes;
        Map.Entry<Key, Region> e = r.byStart.floorEntry(key);
        if (e == null || !e.getValue().contains(key)) {
            refresh();
            e = routes.byStart.floorEntry(key);
        }
        if (e == null) {
            throw new IllegalStateException("no region known for " + key);
        }
        return e.getValue();
    }

    private KvProto.Response call(Key key, KvProto.Request.Builder request, boolean idempotent,
                                  ReadConsistency consistency) {
        Deadline deadline = Deadline.after(timeout);
        KvException last = null;
        while (!deadline.isExpired()) {
            Region region = regionOf(key);
            Long leader = routes.leaderStore.get(region.regionId());
            long target = leader != null ? leader : region.peers().get(0).storeId();
            String address = liveStores.get().get(target);
            if (address == null) {
                refresh();
                pause(50);
                continue;
            }
            request.setHeader(KvProto.RequestHeader.newBuilder().setRegionId(region.regionId())
                    .setEpoch(MetaCodec.toProto(region.epoch())).setConsistency(toProto(consistency)));
            try {
                KvProto.Response response = pool.call(address, request.clone(), deadline.capped(Duration.ofSeconds(3)))
                        .get(deadline.remainingMillis() + 1000, TimeUnit.MILLISECONDS);
                Responses.throwIfError(response);
                return response;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof KvException kv)) {
                    throw new IllegalStateException(e.getCause());
                }
                last = kv;
            } catch (KvException e) {
                last = e;
            } catch (TimeoutException e) {
                last = new UnknownResultException(0, "client timeout", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            handle(last, region, idempotent);
        }
        throw new AssertionError("request on " + key + " did not finish within " + timeout, last);
    }

    private void handle(KvException error, Region region, boolean idempotent) {
        switch (error.kind().errorClass()) {
            case REGION -> {
                regionErrors.incrementAndGet();
                if (error instanceof RegionException.NotLeader nl && nl.leader().isPresent()) {
                    Map<Long, Long> leaders = new HashMap<>(routes.leaderStore);
                    leaders.put(region.regionId(), nl.leader().get().storeId());
                    routes = new Routes(routes.byStart, leaders);
                } else {
                    refresh();
                    pause(20);
                }
            }
            case RETRYABLE -> {
                refresh();
                pause(error instanceof RetryableException r ? Math.max(10, r.backoff().toMillis()) : 50);
            }
            case UNKNOWN_RESULT -> {
                if (!idempotent) {
                    throw error;
                }
                refresh();
                pause(50);
            }
            case REQUEST, REPLICA_FATAL -> {
                if (error.kind() == ErrorKind.DEADLINE_EXCEEDED) {
                    refresh();
                    return;
                }
                throw error;
            }
        }
    }

    /** Asks every live store for its regions; keeps the newest epoch of each and the stores that claim leadership. */
    public synchronized void refresh() {
        RegionDiscovery seen = RegionDiscovery.ask(pool, liveStores.get());
        NavigableMap<Key, Region> byStart = new TreeMap<>();
        seen.newest().values().stream().sorted(Comparator.comparing((Region r) -> r.epoch().version()))
                .forEach(r -> {
                    // Drop older regions that the newer one now overlaps (a parent seen before its split).
                    byStart.values().removeIf(o -> o.range().intersect(r.range().start(), r.range().end()) != null);
                    byStart.put(r.range().start(), r);
                });
        routes = new Routes(byStart, seen.leaderStore());
    }

    private static KvProto.ReadConsistency toProto(ReadConsistency c) {
        return KvProto.ReadConsistency.valueOf(c.name());
    }

    private static void pause(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Override
    public void close() {
        pool.close();
    }
}
