package io.rangekv.client;

import com.github.benmanes.caffeine.cache.Ticker;
import io.rangekv.client.pd.PdClient;
import io.rangekv.client.pd.RemotePdClient;
import io.rangekv.client.route.CoarseTicker;
import io.rangekv.client.route.PutCoalescer;
import io.rangekv.client.route.RegionRequestSender;
import io.rangekv.client.route.RetryCounters;
import io.rangekv.client.route.RouteCache;
import io.rangekv.client.route.WriteSequencer;
import io.rangekv.client.rpc.StoreClientPool;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RequestException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.ReadConsistency;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * RangeKV's client: {@link #async()} for {@code CompletableFuture}s, or the blocking methods here, each a thin wait
 * on its async twin. Every operation has a deadline ({@code KvClientConfig.requestTimeout}) covering its retries.
 *
 * <pre>
 * try (KvClient kv = KvClient.connect(KvClientConfig.DEFAULTS, List.of("127.0.0.1:2379"))) {
 *     kv.put(Key.of("hello"), "world".getBytes(UTF_8));
 *     Optional&lt;byte[]&gt; v = kv.get(Key.of("hello"));
 * }
 * </pre>
 *
 * <p>Thread-safe; one instance per application. Owns its threads ({@code kvclient-io-*}, {@code kvclient-timer},
 * {@code kvclient-callback-*}); {@link #close()} stops them.
 */
public final class KvClient implements AutoCloseable {
    private final KvClientConfig config;
    private final StoreClientPool stores;
    private final ScheduledExecutorService timer;
    /** The route cache's clock, refreshed on {@code kvclient-timer}: a route TTL is minutes, a nanoTime 25 ns. */
    private final CoarseTicker routeClock;
    private final ExecutorService callbacks;
    private final AsyncKvClient async;
    private final RetryCounters retries;
    private final PutCoalescer puts;
    private final AutoCloseable ownedPd;

    /**
     * A client of the cluster whose placement driver members listen at {@code pdEndpoints} ({@code host:port} of
     * their RPC service, e.g. {@code 127.0.0.1:2379}); one reachable member is enough, the client follows the
     * leader.
     */
    public static KvClient connect(KvClientConfig config, List<String> pdEndpoints) {
        RemotePdClient pd = new RemotePdClient(pdEndpoints, config.requestTimeout());
        return new KvClient(config, pd, pd);
    }

    /** A client over any {@link PdClient} (tests use fakes); the caller keeps ownership of {@code pd}. */
    public KvClient(KvClientConfig config, PdClient pd) {
        this(config, pd, null);
    }

    private KvClient(KvClientConfig config, PdClient pd, AutoCloseable ownedPd) {
        this.ownedPd = ownedPd;
        this.config = config;
        this.callbacks = Executors.newFixedThreadPool(config.callbackThreads(),
                new NamedThreadFactory("kvclient-callback", true));
        this.timer = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("kvclient-timer", true));
        this.stores = new StoreClientPool(config.ioThreads(), config.callbackThreads());
        this.routeClock = CoarseTicker.refreshedBy(timer, CoarseTicker.CLIENT_PERIOD, Ticker.systemTicker());
        RouteCache routes = new RouteCache(config.maxCachedRegions(), config.routeTtl(), routeClock);
        RegionRequestSender sender = new RegionRequestSender(routes, pd, stores, callbacks, timer);
        WriteSequencer writes = new WriteSequencer();
        this.puts = new PutCoalescer(sender, routes, config.putCoalescing(), writes);
        this.async = new AsyncKvClient(sender, puts, writes, routes, pd, config, callbacks);
        this.retries = sender.retries();
    }

    public AsyncKvClient async() {
        return async;
    }

    /** Errors this client absorbed by retrying, by kind (the caller never saw them). */
    public RetryCounters retries() {
        return retries;
    }

    /** Single puts made and the requests that carried them ({@link KvClientConfig#putCoalescing()}). */
    public PutCoalescer.Counts putCounts() {
        return puts.counts();
    }

    public Optional<byte[]> get(Key key) {
        return await(async.get(key, ReadConsistency.LINEARIZABLE));
    }

    public Optional<byte[]> get(Key key, ReadConsistency consistency) {
        return await(async.get(key, consistency));
    }

    public void put(Key key, byte[] value) {
        await(async.put(key, value));
    }

    public void delete(Key key) {
        await(async.delete(key));
    }

    public CasResult compareAndPut(Key key, byte[] expected, byte[] value) {
        return await(async.compareAndPut(key, expected, value));
    }

    public CasResult putIfAbsent(Key key, byte[] value) {
        return await(async.putIfAbsent(key, value));
    }

    public Map<Key, byte[]> batchGet(Collection<Key> keys) {
        return await(async.batchGet(keys, ReadConsistency.LINEARIZABLE));
    }

    public void batchPut(Map<Key, byte[]> pairs) {
        await(async.batchPut(pairs));
    }

    public void batchDelete(Collection<Key> keys) {
        await(async.batchDelete(keys));
    }

    public List<KvPair> scan(ScanOptions options) {
        return await(async.scan(options));
    }

    /** See {@link AsyncKvClient#deleteRange}: {@link KeyRange#ALL} is refused; use {@link #deleteAll()}. */
    public void deleteRange(KeyRange range) {
        await(async.deleteRange(range));
    }

    /** Deletes every key in the cluster: the one explicit way to do it. */
    public void deleteAll() {
        await(async.deleteAll());
    }

    /** Waits a little past the operation's own deadline, which the operation enforces itself. */
    private <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(config.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof KvException kv) {
                throw kv;
            }
            throw new IllegalStateException("operation failed", e.getCause());
        } catch (TimeoutException e) {
            throw new RequestException(ErrorKind.DEADLINE_EXCEEDED, "no answer within the request timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestException(ErrorKind.DEADLINE_EXCEEDED, "interrupted while waiting");
        }
    }

    @Override
    public void close() {
        stores.close();
        routeClock.close();
        timer.shutdownNow();
        callbacks.shutdown();
        if (ownedPd != null) {
            try {
                ownedPd.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the PD client failed", e);
            }
        }
    }
}
