package io.rangekv.store.rpc;

import com.google.protobuf.ByteString;
import io.rangekv.concurrent.Futures;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.RequestException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.store.command.ClientWrites;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineReader;
import io.rangekv.store.engine.Keys;
import io.rangekv.store.region.RegionPeer;
import io.rangekv.store.region.RegionRegistry;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Turns KV requests into calls on the right {@link RegionPeer} and results into responses: protobuf stops here.
 * Requests arrive already validated (sizes, method present) by the server.
 *
 * <p><b>Concurrency</b>: thread-safe and stateless; called on Netty threads, it only decodes and hands off, and
 * continuations run on the {@code store-kv} executor.
 */
public final class KvRpcService implements RequestDispatcher {
    private final RegionRegistry regions;
    private final StoreAdmin admin;
    private final Executor kvExecutor;
    private final long maxScanBytes;

    public KvRpcService(RegionRegistry regions, StoreAdmin admin, Executor kvExecutor, RpcLimits limits) {
        this.regions = regions;
        this.admin = admin;
        this.kvExecutor = kvExecutor;
        this.maxScanBytes = limits.maxScanBytes().bytes();
    }

    /**
     * Completes by the deadline at the latest: a write still in flight then has an unknown outcome (it may yet
     * commit), a read simply missed its deadline.
     */
    @Override
    public CompletableFuture<KvProto.Response> dispatch(KvProto.Request request, Deadline deadline) {
        return CompletableFuture.supplyAsync(() -> route(request), kvExecutor)
                .thenCompose(f -> f)
                .orTimeout(Math.max(1, deadline.remainingMillis()), TimeUnit.MILLISECONDS)
                .exceptionally(e -> {
                    Throwable cause = Futures.unwrap(e);
                    if (cause instanceof TimeoutException) {
                        throw isWrite(request) ? new UnknownResultException(request.getRequestId(),
                                "deadline passed with the write in flight; it may still take effect", null)
                                : new RequestException(ErrorKind.DEADLINE_EXCEEDED, "deadline passed");
                    }
                    throw e instanceof CompletionException ce ? ce : new CompletionException(e);
                })
                .thenApply(b -> b.setRequestId(request.getRequestId()).build());
    }

    private static boolean isWrite(KvProto.Request request) {
        return switch (request.getMethodCase()) {
            case GET, BATCH_GET, SCAN, REGION_STATUS, LIST_REGIONS -> false;
            default -> true;
        };
    }

    private CompletableFuture<KvProto.Response.Builder> route(KvProto.Request request) {
        KvProto.Request.MethodCase method = request.getMethodCase();
        if (StoreAdmin.handles(method)) {
            return admin.handle(request);
        }
        KvProto.RequestHeader header = request.getHeader();
        RegionPeer peer = regions.require(header.getRegionId());
        RegionEpoch epoch = MetaCodec.fromProto(header.getEpoch());
        ReadConsistency consistency = consistencyOf(header.getConsistency());
        KvProto.Response.Builder out = KvProto.Response.newBuilder();
        return switch (method) {
            case GET -> {
                Key key = key(request.getGet().getKey());
                yield peer.read(epoch, consistency, List.of(key), r -> r.get(Keys.data(key)))
                        .thenApply(value -> out.setGet(value == null
                                ? KvProto.GetResponse.newBuilder().setFound(false)
                                : KvProto.GetResponse.newBuilder().setFound(true)
                                        .setValue(ByteString.copyFrom(value))));
            }
            case PUT -> {
                Key key = key(request.getPut().getKey());
                yield peer.propose(epoch, new Command.Put(key, request.getPut().getValue().toByteArray()),
                                List.of(key), writesOf(request))
                        .thenApply(r -> out.setPut(KvProto.PutResponse.getDefaultInstance()));
            }
            case DELETE -> {
                Key key = key(request.getDelete().getKey());
                yield peer.propose(epoch, new Command.Delete(key), List.of(key), writesOf(request))
                        .thenApply(r -> out.setDelete(KvProto.DeleteResponse.getDefaultInstance()));
            }
            case DELETE_RANGE -> deleteRange(peer, epoch, request.getDeleteRange())
                    .thenApply(r -> out.setDeleteRange(KvProto.DeleteRangeResponse.getDefaultInstance()));
            case COMPARE_AND_PUT -> {
                KvProto.CompareAndPutRequest cas = request.getCompareAndPut();
                Key key = key(cas.getKey());
                byte[] expected = cas.getExpectAbsent() ? null : cas.getExpected().toByteArray();
                yield write(peer, epoch, new Command.CompareAndPut(key, expected, cas.getValue().toByteArray()), key)
                        .thenApply(r -> {
                            CommandResult.CasOutcome outcome = (CommandResult.CasOutcome) r;
                            KvProto.CompareAndPutResponse.Builder b = KvProto.CompareAndPutResponse.newBuilder()
                                    .setSucceeded(outcome.succeeded())
                                    .setPreviousFound(outcome.previous() != null);
                            if (outcome.previous() != null) {
                                b.setPrevious(ByteString.copyFrom(outcome.previous()));
                            }
                            return out.setCompareAndPut(b);
                        });
            }
            case PUT_IF_ABSENT -> {
                Key key = key(request.getPutIfAbsent().getKey());
                Command cas = new Command.CompareAndPut(key, null, request.getPutIfAbsent().getValue().toByteArray());
                yield write(peer, epoch, cas, key).thenApply(r -> {
                    CommandResult.CasOutcome outcome = (CommandResult.CasOutcome) r;
                    KvProto.PutIfAbsentResponse.Builder b = KvProto.PutIfAbsentResponse.newBuilder()
                            .setSucceeded(outcome.succeeded());
                    if (outcome.previous() != null) {
                        b.setPrevious(ByteString.copyFrom(outcome.previous()));
                    }
                    return out.setPutIfAbsent(b);
                });
            }
            case BATCH_GET -> {
                List<Key> keys = request.getBatchGet().getKeysList().stream().map(KvRpcService::key).toList();
                yield peer.read(epoch, consistency, keys, r -> batchGet(r, keys))
                        .thenApply(pairs -> out.setBatchGet(KvProto.BatchGetResponse.newBuilder().addAllPairs(pairs)));
            }
            case BATCH_PUT -> {
                List<Command.Mutation> puts = new ArrayList<>();
                for (KvProto.KvPair pair : request.getBatchPut().getPairsList()) {
                    puts.add(new Command.Put(key(pair.getKey()), pair.getValue().toByteArray()));
                }
                yield peer.propose(epoch, new Command.Batch(puts), puts.stream().map(Command.Mutation::key).toList(),
                                writesOf(request))
                        .thenApply(r -> out.setBatchPut(KvProto.BatchPutResponse.getDefaultInstance()));
            }
            case BATCH_DELETE -> {
                List<Command.Mutation> deletes = request.getBatchDelete().getKeysList().stream()
                        .map(k -> (Command.Mutation) new Command.Delete(key(k))).toList();
                yield peer.propose(epoch, new Command.Batch(deletes),
                                deletes.stream().map(Command.Mutation::key).toList(), writesOf(request))
                        .thenApply(r -> out.setBatchDelete(KvProto.BatchDeleteResponse.getDefaultInstance()));
            }
            case SCAN -> scan(peer, epoch, consistency, request.getScan())
                    .thenApply(page -> out.setScan(page));
            default -> throw new RequestException(ErrorKind.UNKNOWN_METHOD,
                    "unknown or missing method " + method);
        };
    }

    /**
     * The request's write ids as the log entry carries them, stamped with this store's clock (it proposes the entry
     * as leader); null when the client sent none. The validator has matched them to the mutations.
     */
    private static ClientWrites writesOf(KvProto.Request request) {
        if (!request.hasWriteIds()) {
            return null;
        }
        KvProto.WriteIds ids = request.getWriteIds();
        long[] seqs = new long[ids.getSeqsCount()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = ids.getSeqs(i);
        }
        return new ClientWrites(ids.getClientId(), seqs, ids.getLowestUnanswered(), System.currentTimeMillis());
    }

    private static CompletableFuture<CommandResult> write(RegionPeer peer, RegionEpoch epoch, Command command,
                                                          Key key) {
        return peer.propose(epoch, command, List.of(key));
    }

    private static CompletableFuture<CommandResult> deleteRange(RegionPeer peer, RegionEpoch epoch,
                                                                KvProto.DeleteRangeRequest request) {
        Region region = peer.region();
        KeyRange clipped = region.range().intersect(key(request.getStartKey()), key(request.getEndKey()));
        if (clipped == null) {
            return CompletableFuture.completedFuture(CommandResult.DONE);
        }
        return peer.propose(epoch, new Command.DeleteRange(clipped), List.of(clipped.start()));
    }

    /** One page of a scan, ended by the limit or the byte cap (then {@code more} is set). */
    private CompletableFuture<KvProto.ScanResponse.Builder> scan(RegionPeer peer, RegionEpoch epoch,
                                                                  ReadConsistency consistency,
                                                                  KvProto.ScanRequest request) {
        Key from = key(request.getStartKey());
        Key to = key(request.getEndKey());
        int limit = request.getLimit() == 0 ? Integer.MAX_VALUE : request.getLimit();
        return peer.read(epoch, consistency, List.of(), reader -> {
            // Clip to the region as it is after the read index: a split may have narrowed it.
            KeyRange clipped = peer.region().range().intersect(from, to);
            KvProto.ScanResponse.Builder page = KvProto.ScanResponse.newBuilder();
            if (clipped == null) {
                return page;
            }
            long bytes = 0;
            try (EngineIterator it = reader.iterator(Keys.dataStart(clipped), Keys.dataEnd(clipped),
                    request.getReverse())) {
                for (; it.isValid(); it.next()) {
                    if (page.getPairsCount() >= limit || page.getPairsCount() > 0 && bytes >= maxScanBytes) {
                        page.setMore(true);
                        break;
                    }
                    KvProto.KvPair.Builder pair = KvProto.KvPair.newBuilder()
                            .setKey(ByteString.copyFrom(Keys.userKey(it.key())));
                    if (!request.getKeysOnly()) {
                        pair.setValue(ByteString.copyFrom(it.value()));
                    }
                    bytes += pair.getKey().size() + pair.getValue().size();
                    page.addPairs(pair);
                }
            }
            return page;
        });
    }

    private static List<KvProto.KvPair> batchGet(EngineReader reader, List<Key> keys) {
        List<KvProto.KvPair> pairs = new ArrayList<>();
        for (Key key : keys) {
            byte[] value = reader.get(Keys.data(key));
            if (value != null) {
                pairs.add(KvProto.KvPair.newBuilder().setKey(MetaCodec.toProto(key))
                        .setValue(ByteString.copyFrom(value)).build());
            }
        }
        return pairs;
    }

    private static Key key(ByteString bytes) {
        return Key.wrap(bytes.toByteArray());
    }

    static ReadConsistency consistencyOf(KvProto.ReadConsistency consistency) {
        return switch (consistency) {
            case LEASE -> ReadConsistency.LEASE;
            case FOLLOWER -> ReadConsistency.FOLLOWER;
            case STALE -> ReadConsistency.STALE;
            case LINEARIZABLE, UNRECOGNIZED -> ReadConsistency.LINEARIZABLE;
        };
    }
}
