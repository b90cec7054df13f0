package io.rangekv.client;

import com.google.protobuf.ByteString;
import io.rangekv.client.pd.PdClient;
import io.rangekv.client.route.PutCoalescer;
import io.rangekv.client.route.RegionRequestSender;
import io.rangekv.client.route.RouteCache;
import io.rangekv.client.route.RouteEntry;
import io.rangekv.client.route.WriteSequencer;
import io.rangekv.concurrent.Futures;
import io.rangekv.error.RegionException;
import io.rangekv.error.RequestException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The asynchronous KV operations. Each is a few lines over {@link RegionRequestSender}, which owns routing and
 * retries (single puts over {@link PutCoalescer}, which sends them through it, together when their region is busy);
 * multi-key operations split their keys by region, send the slices in parallel, and regroup what a region change
 * sent back. Futures complete on the client's callback threads.
 *
 * <p>Puts, deletes, batch puts and batch deletes are retried after an unknown outcome; each of their mutations
 * carries a sequence number from {@link WriteSequencer}, the same in every retry, so the store applies it at most
 * once. Compare-and-put and delete-range carry none and are not retried after an unknown outcome.
 */
public final class AsyncKvClient {
    private final RegionRequestSender sender;
    private final PutCoalescer puts;
    private final WriteSequencer writes;
    private final RouteCache routes;
    private final PdClient pd;
    private final KvClientConfig config;
    private final Executor callbacks;

    AsyncKvClient(RegionRequestSender sender, PutCoalescer puts, WriteSequencer writes, RouteCache routes,
                  PdClient pd, KvClientConfig config, Executor callbacks) {
        this.sender = sender;
        this.puts = puts;
        this.writes = writes;
        this.routes = routes;
        this.pd = pd;
        this.config = config;
        this.callbacks = callbacks;
    }

    private Deadline deadline() {
        return Deadline.after(config.requestTimeout());
    }

    private static ByteString bytes(Key key) {
        return MetaCodec.toProto(key);
    }

    public CompletableFuture<Optional<byte[]>> get(Key key, ReadConsistency consistency) {
        return sender.send(key, KvProto.Request.newBuilder().setGet(KvProto.GetRequest.newBuilder()
                        .setKey(bytes(key))), true, consistency, deadline())
                .thenApply(r -> r.getGet().getFound() ? Optional.of(r.getGet().getValue().toByteArray())
                        : Optional.empty());
    }

    /**
     * Completes when the put is durable. Concurrent puts to one region may travel together in one BATCH_PUT
     * ({@link KvClientConfig#putCoalescing()}); puts in flight at the same time have no order between them.
     */
    public CompletableFuture<Void> put(Key key, byte[] value) {
        return puts.put(key, value, deadline());
    }

    public CompletableFuture<Void> delete(Key key) {
        long seq = writes.reserve(1);
        return released(seq, sender.send(key, KvProto.Request.newBuilder().setDelete(KvProto.DeleteRequest.newBuilder()
                .setKey(bytes(key))).setWriteIds(writes.ids(seq)), true, ReadConsistency.LINEARIZABLE, deadline())
                .thenApply(r -> null));
    }

    /** {@code work}, releasing the seqs reserved from {@code first} once it has its answer. */
    private <T> CompletableFuture<T> released(long first, CompletableFuture<T> work) {
        return work.whenComplete((value, error) -> writes.release(first));
    }

    /** One seq per key, consecutive from {@code first}, in list order. */
    private static Map<Key, Long> seqsOf(List<Key> keys, long first) {
        Map<Key, Long> seqs = new java.util.HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            seqs.put(keys.get(i), first + i);
        }
        return seqs;
    }

    /**
     * Puts {@code value} if the current value equals {@code expected} (null: only if absent). Never retried when
     * its outcome is unknown: that surfaces as {@link io.rangekv.error.UnknownResultException}.
     */
    public CompletableFuture<CasResult> compareAndPut(Key key, byte[] expected, byte[] value) {
        KvProto.CompareAndPutRequest.Builder cas = KvProto.CompareAndPutRequest.newBuilder().setKey(bytes(key))
                .setExpectAbsent(expected == null).setValue(ByteString.copyFrom(value));
        if (expected != null) {
            cas.setExpected(ByteString.copyFrom(expected));
        }
        return sender.send(key, KvProto.Request.newBuilder().setCompareAndPut(cas), false,
                ReadConsistency.LINEARIZABLE, deadline()).thenApply(r -> new CasResult(
                r.getCompareAndPut().getSucceeded(), r.getCompareAndPut().getPreviousFound()
                ? Optional.of(r.getCompareAndPut().getPrevious().toByteArray()) : Optional.empty()));
    }

    public CompletableFuture<CasResult> putIfAbsent(Key key, byte[] value) {
        return compareAndPut(key, null, value);
    }

    /** The values of the keys that exist, in the order asked. */
    public CompletableFuture<Map<Key, byte[]>> batchGet(Collection<Key> keys, ReadConsistency consistency) {
        Deadline deadline = deadline();
        return fanOut(List.copyOf(keys), deadline, (region, slice) -> {
            KvProto.BatchGetRequest.Builder b = KvProto.BatchGetRequest.newBuilder();
            slice.forEach(k -> b.addKeys(bytes(k)));
            return sender.sendToRegion(region, slice.get(0), KvProto.Request.newBuilder().setBatchGet(b), true,
                    consistency, deadline).thenApply(r -> r.getBatchGet().getPairsList());
        }).thenApply(pairs -> {
            Map<Key, byte[]> found = new LinkedHashMap<>();
            Map<Key, byte[]> byKey = new java.util.HashMap<>();
            pairs.forEach(p -> byKey.put(Key.wrap(p.getKey().toByteArray()), p.getValue().toByteArray()));
            for (Key k : keys) {
                if (byKey.containsKey(k)) {
                    found.put(k, byKey.get(k));
                }
            }
            return found;
        });
    }

    /** Puts every pair; each region's slice is atomic, the whole batch is not. */
    public CompletableFuture<Void> batchPut(Map<Key, byte[]> pairs) {
        if (pairs.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Deadline deadline = deadline();
        List<Key> keys = List.copyOf(pairs.keySet());
        long first = writes.reserve(keys.size());
        Map<Key, Long> seqs = seqsOf(keys, first);
        return released(first, fanOut(keys, deadline, (region, slice) -> {
            KvProto.BatchPutRequest.Builder b = KvProto.BatchPutRequest.newBuilder();
            slice.forEach(k -> b.addPairs(KvProto.KvPair.newBuilder().setKey(bytes(k))
                    .setValue(ByteString.copyFrom(pairs.get(k)))));
            return sender.sendToRegion(region, slice.get(0), KvProto.Request.newBuilder().setBatchPut(b)
                            .setWriteIds(writes.ids(slice.stream().map(seqs::get).toList())), true,
                    ReadConsistency.LINEARIZABLE, deadline).thenApply(r -> List.<KvProto.KvPair>of());
        }).thenApply(ignored -> null));
    }

    public CompletableFuture<Void> batchDelete(Collection<Key> keys) {
        if (keys.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Deadline deadline = deadline();
        // Each key once: it gets one seq, whichever slice carries it.
        List<Key> distinct = List.copyOf(new java.util.LinkedHashSet<>(keys));
        long first = writes.reserve(distinct.size());
        Map<Key, Long> seqs = seqsOf(distinct, first);
        return released(first, fanOut(distinct, deadline, (region, slice) -> {
            KvProto.BatchDeleteRequest.Builder b = KvProto.BatchDeleteRequest.newBuilder();
            slice.forEach(k -> b.addKeys(bytes(k)));
            return sender.sendToRegion(region, slice.get(0), KvProto.Request.newBuilder().setBatchDelete(b)
                            .setWriteIds(writes.ids(slice.stream().map(seqs::get).toList())), true,
                    ReadConsistency.LINEARIZABLE, deadline).thenApply(r -> List.<KvProto.KvPair>of());
        }).thenApply(ignored -> null));
    }

    /** Sends one request per region slice of {@code keys}, in parallel; regroups slices a region change returned. */
    private CompletableFuture<List<KvProto.KvPair>> fanOut(List<Key> keys, Deadline deadline, SliceSender send) {
        return groupByRegion(keys).thenCompose(groups -> {
            List<CompletableFuture<List<KvProto.KvPair>>> parts = new ArrayList<>();
            groups.forEach((region, slice) -> parts.add(redoOnRegionChange(send.send(region, slice), deadline,
                    () -> fanOut(slice, deadline, send))));
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<KvProto.KvPair> all = new ArrayList<>();
                parts.forEach(p -> all.addAll(p.join()));
                return all;
            });
        });
    }

    @FunctionalInterface
    private interface SliceSender {
        CompletableFuture<List<KvProto.KvPair>> send(long regionId, List<Key> slice);
    }

    private CompletableFuture<Map<Long, List<Key>>> groupByRegion(List<Key> keys) {
        List<CompletableFuture<RouteEntry>> located = new ArrayList<>();
        for (Key k : keys) {
            located.add(routes.locate(k, pd::regionByKey, callbacks));
        }
        return CompletableFuture.allOf(located.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<Long, List<Key>> groups = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                groups.computeIfAbsent(located.get(i).join().region().regionId(), id -> new ArrayList<>())
                        .add(keys.get(i));
            }
            return groups;
        });
    }

    /**
     * The pairs in the scan's range, region by region in key order (or reversed), page by page, up to its limit.
     * Each page is consistent within its region; the scan as a whole is not a snapshot across regions.
     */
    public CompletableFuture<List<KvPair>> scan(ScanOptions options) {
        return new Scan(options, deadline()).next(options.reverse() ? options.range().end() : options.range().start());
    }

    /** One scan in progress: walks from {@code position} towards the end of the range (or its start, reversed). */
    private final class Scan {
        private final ScanOptions options;
        private final Deadline deadline;
        private final List<KvPair> out = new ArrayList<>();

        Scan(ScanOptions options, Deadline deadline) {
            this.options = options;
            this.deadline = deadline;
        }

        private int wanted() {
            int limit = options.limit() == 0 ? Integer.MAX_VALUE : options.limit() - out.size();
            return Math.min(limit, config.scanPageSize());
        }

        /** Forward: position is the next key to read (inclusive). Reverse: the bound below which to read. */
        CompletableFuture<List<KvPair>> next(Key position) {
            if (options.limit() != 0 && out.size() >= options.limit()) {
                return CompletableFuture.completedFuture(out);
            }
            CompletableFuture<RouteEntry> where = options.reverse() ? pd.regionBefore(position)
                    : routes.locate(position, pd::regionByKey, callbacks);
            return where.thenCompose(entry -> page(entry.region(), position));
        }

        private CompletableFuture<List<KvPair>> page(Region region, Key position) {
            KeyRange range = options.range();
            KeyRange slice = options.reverse()
                    ? region.range().intersect(range.start(), position.isEmpty() ? range.end() : position)
                    : region.range().intersect(position, range.end());
            if (slice == null) {
                return CompletableFuture.completedFuture(out);
            }
            KvProto.ScanRequest.Builder scan = KvProto.ScanRequest.newBuilder()
                    .setStartKey(bytes(slice.start())).setEndKey(bytes(slice.end()))
                    .setLimit(wanted()).setReverse(options.reverse()).setKeysOnly(options.keysOnly());
            CompletableFuture<List<KvPair>> page = sender.sendToRegion(region.regionId(), slice.start(),
                    KvProto.Request.newBuilder().setScan(scan), true, options.consistency(), deadline)
                    .thenCompose(r -> {
                        Key last = null;
                        for (KvProto.KvPair p : r.getScan().getPairsList()) {
                            last = Key.wrap(p.getKey().toByteArray());
                            out.add(new KvPair(last, p.getValue().toByteArray()));
                        }
                        if (r.getScan().getMore() && last != null) {
                            // Continue in this region: after the last key (forward) or below it (reverse).
                            return next(options.reverse() ? last : Key.wrap(append0(last)));
                        }
                        return nextRegion(slice);
                    });
            return redoOnRegionChange(page, deadline, () -> next(position));
        }

        private CompletableFuture<List<KvPair>> nextRegion(KeyRange slice) {
            if (options.reverse()) {
                Key below = slice.start();
                return below.isEmpty() || below.compareTo(options.range().start()) <= 0
                        ? CompletableFuture.completedFuture(out) : next(below);
            }
            Key after = slice.end();
            return after.isEmpty() || (!options.range().end().isEmpty() && after.compareTo(options.range().end()) >= 0)
                    ? CompletableFuture.completedFuture(out) : next(after);
        }
    }

    private static byte[] append0(Key key) {
        return java.util.Arrays.copyOf(key.unsafeBytes(), key.length() + 1);
    }

    /**
     * Deletes every key in {@code range}, region by region (each region's part is atomic). The range must have at
     * least one bound: {@link KeyRange#ALL} (empty start and end) fails with {@code INVALID_ARGUMENT}, so an unset or
     * defaulted range never wipes the key space; {@link #deleteAll()} does that on purpose.
     * A part whose outcome is unknown is not sent again (it carries no write ids: run again, it could delete a key
     * another client wrote in between); that surfaces as {@link io.rangekv.error.UnknownResultException}.
     */
    public CompletableFuture<Void> deleteRange(KeyRange range) {
        if (range.start().isEmpty() && range.isEndUnbounded()) {
            return CompletableFuture.failedFuture(RequestException.invalidArgument("deleteRange(" + range
                    + ") would delete every key; call deleteAll() to do that on purpose"));
        }
        Deadline deadline = deadline();
        return deleteFrom(range, range.start(), deadline);
    }

    /** Deletes every key in the cluster, region by region (each region's part is atomic; the whole is not). */
    public CompletableFuture<Void> deleteAll() {
        Deadline deadline = deadline();
        return deleteFrom(KeyRange.ALL, Key.EMPTY, deadline);
    }

    private CompletableFuture<Void> deleteFrom(KeyRange range, Key position, Deadline deadline) {
        return routes.locate(position, pd::regionByKey, callbacks).thenCompose(entry -> {
            KeyRange slice = entry.region().range().intersect(position, range.end());
            if (slice == null) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> part = sender.sendToRegion(entry.region().regionId(), slice.start(),
                    KvProto.Request.newBuilder().setDeleteRange(KvProto.DeleteRangeRequest.newBuilder()
                            .setStartKey(bytes(slice.start())).setEndKey(bytes(slice.end()))), false,
                    ReadConsistency.LINEARIZABLE, deadline).thenCompose(r -> {
                        Key after = slice.end();
                        boolean done = after.isEmpty()
                                || (!range.end().isEmpty() && after.compareTo(range.end()) >= 0);
                        return done ? CompletableFuture.<Void>completedFuture(null)
                                : deleteFrom(range, after, deadline);
                    });
            return redoOnRegionChange(part, deadline, () -> deleteFrom(range, position, deadline));
        });
    }

    /**
     * When {@code work} fails because a region changed shape under it (the sender already taught the cache the new
     * regions), runs {@code redo} to regroup from the cache; any other failure, or one past the deadline, stands.
     */
    private static <T> CompletableFuture<T> redoOnRegionChange(CompletableFuture<T> work, Deadline deadline,
                                                               java.util.function.Supplier<CompletableFuture<T>> redo) {
        return work.handle((value, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(value);
            }
            Throwable cause = Futures.unwrap(error);
            return cause instanceof RegionException && !deadline.isExpired() ? redo.get()
                    : CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(Function.identity());
    }
}
