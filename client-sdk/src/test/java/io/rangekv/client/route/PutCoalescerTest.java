package io.rangekv.client.route;

import com.google.protobuf.ByteString;
import io.rangekv.client.KvClientConfig;
import io.rangekv.client.rpc.StoreTransport;
import io.rangekv.config.DataSize;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.ReplicaFatalException;
import io.rangekv.error.RequestException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.ErrorCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Put coalescing against a fake placement driver and a transport that holds every request until the test answers
 * it, so the test decides what is in flight. Continuations run on the thread that answers (a direct executor): no
 * sockets, no waiting except where the sender's own backoff runs on its timer.
 */
class PutCoalescerTest {
    private static final Region WHOLE = new Region(1, KeyRange.ALL, new RegionEpoch(1, 1),
            List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3)));
    private static final Duration LONG = Duration.ofSeconds(30);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final RouteCache cache = new RouteCache(100, Duration.ofMinutes(10), System::nanoTime);
    /** Every request the transport received, in order. */
    private final List<KvProto.Request> sent = new ArrayList<>();
    /** Requests not answered yet, oldest first (only while {@link #responder} is null). */
    private final Deque<Call> held = new ArrayDeque<>();
    /** When set, answers each request at once (or throws a transport failure) instead of holding it. */
    private volatile Function<KvProto.Request, KvProto.Response> responder;

    private record Call(KvProto.Request request, CompletableFuture<KvProto.Response> reply) {
        void ok() {
            reply.complete(PutCoalescerTest.ok(request));
        }

        void answer(KvException error) {
            reply.complete(KvProto.Response.newBuilder().setRequestId(request.getRequestId())
                    .setError(ErrorCodec.toProto(error)).build());
        }
    }

    private final FakePd pd = new FakePd(WHOLE);

    private final StoreTransport transport = (address, request, deadline) -> {
        KvProto.Request built = request.build();
        Function<KvProto.Request, KvProto.Response> answer = responder;
        synchronized (this) {
            sent.add(built);
            if (answer == null) {
                Call call = new Call(built, new CompletableFuture<>());
                held.add(call);
                return call.reply;
            }
        }
        try {
            return CompletableFuture.completedFuture(answer.apply(built));
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
    };

    private final RegionRequestSender sender = new RegionRequestSender(cache, pd, transport, Runnable::run, timer);

    @BeforeEach
    void warmRoutes() {
        cache.put(RouteEntry.of(WHOLE));
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private PutCoalescer coalescer(int maxPuts, int sendAtOnce) {
        return new PutCoalescer(sender, cache, new PutCoalescing(maxPuts, DataSize.ofMegabytes(1), sendAtOnce));
    }

    private static KvProto.Response ok(KvProto.Request request) {
        KvProto.Response.Builder out = KvProto.Response.newBuilder().setRequestId(request.getRequestId());
        return request.hasBatchPut() ? out.setBatchPut(KvProto.BatchPutResponse.getDefaultInstance()).build()
                : out.setPut(KvProto.PutResponse.getDefaultInstance()).build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private synchronized Call next() {
        Call call = held.poll();
        assertTrue(call != null, "a request in flight");
        return call;
    }

    /** Answers every request, including those that answers set off, until none is in flight. */
    private void answerAll() {
        Call call;
        while ((call = pollHeld()) != null) {
            call.ok();
        }
    }

    private synchronized Call pollHeld() {
        return held.poll();
    }

    private static List<String> pairs(KvProto.Request request) {
        return request.getBatchPut().getPairsList().stream()
                .map(p -> p.getKey().toStringUtf8() + "=" + p.getValue().toStringUtf8()).toList();
    }

    private static List<String> keysOf(KvProto.Request request) {
        return request.hasBatchPut()
                ? request.getBatchPut().getPairsList().stream().map(p -> p.getKey().toStringUtf8()).toList()
                : List.of(request.getPut().getKey().toStringUtf8());
    }

    private static String route(KvProto.Request request) {
        return "r" + request.getHeader().getRegionId() + "/v" + request.getHeader().getEpoch().getVersion();
    }

    private static void assertSucceeded(CompletableFuture<Void> put) {
        assertTrue(put.isDone() && !put.isCompletedExceptionally(), "put acknowledged: " + put);
    }

    private static ErrorKind failure(CompletableFuture<Void> put) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> put.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(KvException.class, e.getCause()).kind();
    }

    @Test
    void anIdlePutIsSentAtOnceAsASinglePutAndSequentialPutsStaySingle() {
        PutCoalescer puts = new PutCoalescer(sender, cache, KvClientConfig.DEFAULTS.putCoalescing());
        for (String key : List.of("a", "b", "c")) {
            CompletableFuture<Void> put = puts.put(Key.of(key), bytes("v"), Deadline.after(LONG));
            assertEquals(1, held.size(), "sent on the caller's thread, without waiting for anything");
            Call call = next();
            assertEquals(KvProto.Request.MethodCase.PUT, call.request().getMethodCase());
            assertEquals(key, call.request().getPut().getKey().toStringUtf8());
            assertFalse(put.isDone(), "not before the store acknowledged it");
            call.ok();
            assertSucceeded(put);
        }
        assertEquals(new PutCoalescer.Counts(3, 3, 0), puts.counts());
    }

    @Test
    void aPutWithAColdRouteIsSentAtOnceToo() {
        cache.invalidate(1);
        PutCoalescer puts = coalescer(128, 1);
        CompletableFuture<Void> put = puts.put(Key.of("a"), bytes("v"), Deadline.after(LONG));
        assertEquals(KvProto.Request.MethodCase.PUT, next().request().getMethodCase());
        assertEquals(1, pd.regionCalls.get());
        assertFalse(put.isDone());
    }

    @Test
    void concurrentPutsToOneRegionBecomeFewerRequestsThanPuts() {
        PutCoalescer puts = coalescer(128, 2);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(puts.put(Key.of("k" + i), bytes("v" + i), Deadline.after(LONG)));
        }
        assertEquals(2, held.size(), "two requests in flight, the other 48 puts wait");
        next().ok();
        assertSucceeded(futures.get(0));
        Call batch = held.peekLast();
        assertEquals(KvProto.Request.MethodCase.BATCH_PUT, batch.request().getMethodCase());
        assertEquals(48, batch.request().getBatchPut().getPairsCount());
        assertEquals("k2=v2", pairs(batch.request()).get(0), "in the order the puts were made");
        assertEquals("k49=v49", pairs(batch.request()).get(47));
        assertTrue(futures.subList(1, 50).stream().noneMatch(CompletableFuture::isDone),
                "a put completes only when the request carrying it is acknowledged");

        next().ok(); // k1: nothing waits any more, no new request
        assertEquals(1, held.size());
        next().ok();
        futures.forEach(PutCoalescerTest::assertSucceeded);
        assertEquals(new PutCoalescer.Counts(50, 3, 1), puts.counts());
        assertEquals(3, sent.size());
    }

    @Test
    void aBatchStopsAtMaxPutsAndAtMaxBytesButABigPutStillGoes() {
        PutCoalescer puts = new PutCoalescer(sender, cache, new PutCoalescing(4, DataSize.ofBytes(1000), 1));
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            futures.add(puts.put(Key.of("k" + i), bytes("v"), Deadline.after(LONG)));
        }
        String big = "x".repeat(300);
        for (int i = 0; i < 4; i++) {
            futures.add(puts.put(Key.of("b" + i), bytes(big), Deadline.after(LONG))); // 302 bytes each
        }
        futures.add(puts.put(Key.of("huge"), bytes("x".repeat(5000)), Deadline.after(LONG)));
        answerAll();
        futures.forEach(PutCoalescerTest::assertSucceeded);
        List<Integer> sizes = sent.stream().map(r -> r.hasBatchPut() ? r.getBatchPut().getPairsCount() : 1).toList();
        assertEquals(List.of(1, 4, 4, 3, 1, 1), sizes, "k0 alone (the idle path); k1-k4 and k5-k8 (4 puts at most); "
                + "b0-b2 (1000 bytes hold three 302-byte puts); b3 (the huge put would overflow it); the huge put");
        assertEquals(14, sizes.stream().mapToInt(Integer::intValue).sum(), "no put lost or sent twice");
    }

    @Test
    void theSameKeyTwiceInABatchKeepsTheOrderOfThePuts() {
        // The store applies a BATCH_PUT's pairs in list order, so the later put wins (store-node: KvMethodsIT and
        // CommandApplierTest); the client must keep both pairs, in order, which a map would not.
        PutCoalescer puts = coalescer(128, 1);
        puts.put(Key.of("x"), bytes("0"), Deadline.after(LONG));
        CompletableFuture<Void> first = puts.put(Key.of("k"), bytes("1"), Deadline.after(LONG));
        puts.put(Key.of("y"), bytes("2"), Deadline.after(LONG));
        CompletableFuture<Void> second = puts.put(Key.of("k"), bytes("3"), Deadline.after(LONG));
        next().ok();
        assertEquals(List.of("k=1", "y=2", "k=3"), pairs(next().request()));
        assertFalse(first.isDone() || second.isDone());
    }

    @Test
    void aBatchThatMeetsASplitIsRegroupedByTheNewRegionsAndEveryPutCompletes() {
        // One region [-inf, +inf); a batch for it is answered EpochNotMatch: it split at "m" into regions 1 and 7.
        Region left = new Region(1, new KeyRange(Key.EMPTY, Key.of("m")), new RegionEpoch(1, 2), WHOLE.peers());
        Region right = new Region(7, new KeyRange(Key.of("m"), Key.EMPTY), new RegionEpoch(1, 2),
                List.of(Peer.voter(71, 1), Peer.voter(72, 2), Peer.voter(73, 3)));
        PutCoalescer puts = coalescer(128, 1);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        List<String> keys = List.of("a", "b", "x", "c", "y", "d", "z");
        for (String key : keys) {
            futures.add(puts.put(Key.of(key), bytes(key), Deadline.after(LONG)));
        }
        next().ok(); // "a"; the other six go as one batch
        Call batch = next();
        assertEquals(6, batch.request().getBatchPut().getPairsCount());
        batch.answer(new RegionException.EpochNotMatch(1, List.of(left, right), "split at m"));

        List<KvProto.Request> afterSplit = List.copyOf(held.stream().map(Call::request).toList());
        assertEquals(List.of("r1/v2", "r7/v2"), afterSplit.stream().map(PutCoalescerTest::route).toList(),
                "one put to each new region at once, the rest wait for them");
        answerAll();
        futures.forEach(PutCoalescerTest::assertSucceeded);
        List<KvProto.Request> resent = sent.subList(2, sent.size());
        for (KvProto.Request request : resent) {
            for (String key : keysOf(request)) {
                assertEquals(key.compareTo("m") < 0 ? "r1/v2" : "r7/v2", route(request),
                        key + " went to the region now holding it, with its new epoch");
            }
        }
        assertEquals(List.of("b", "c", "d", "x", "y", "z"),
                resent.stream().flatMap(r -> keysOf(r).stream()).sorted().toList(), "each regrouped put sent once");
        assertEquals(1, sender.retries().regionErrors(), "the split is counted as an absorbed region error");
        assertEquals(0, pd.regionCalls.get(), "the new regions came with the error");
    }

    @Test
    void aFailedBatchFailsEachOfItsCallersAndNoOneElse() {
        PutCoalescer puts = coalescer(128, 1);
        CompletableFuture<Void> a = puts.put(Key.of("a"), bytes("1"), Deadline.after(LONG));
        List<CompletableFuture<Void>> batched = List.of(
                puts.put(Key.of("b"), bytes("2"), Deadline.after(LONG)),
                puts.put(Key.of("c"), bytes("3"), Deadline.after(LONG)));
        next().ok();
        next().answer(ReplicaFatalException.storageFull("disk full", null));
        assertSucceeded(a);
        batched.forEach(put -> assertEquals(ErrorKind.STORAGE_FULL, failure(put)));
        CompletableFuture<Void> later = puts.put(Key.of("d"), bytes("4"), Deadline.after(LONG));
        assertEquals(KvProto.Request.MethodCase.PUT, next().request().getMethodCase(),
                "the region's lane was freed: the next put goes at once");
        assertFalse(later.isDone());
    }

    @Test
    void aPutTheStoreRefusesFailsAloneNotItsBatchmates() {
        PutCoalescer puts = coalescer(128, 1);
        puts.put(Key.of("a"), bytes("1"), Deadline.after(LONG));
        CompletableFuture<Void> fine = puts.put(Key.of("b"), bytes("2"), Deadline.after(LONG));
        CompletableFuture<Void> tooBig = puts.put(Key.of("c"), bytes("x".repeat(100)), Deadline.after(LONG));
        CompletableFuture<Void> alsoFine = puts.put(Key.of("d"), bytes("4"), Deadline.after(LONG));
        responder = request -> { // a store whose values may hold 10 bytes, refusing a batch as a whole
            boolean refused = request.hasBatchPut()
                    ? request.getBatchPut().getPairsList().stream().anyMatch(p -> p.getValue().size() > 10)
                    : request.getPut().getValue().size() > 10;
            return refused ? KvProto.Response.newBuilder().setError(ErrorCodec.toProto(new RequestException(
                    ErrorKind.VALUE_TOO_LARGE, "value over 10 bytes"))).build() : ok(request);
        };
        next().ok();
        assertEquals(ErrorKind.VALUE_TOO_LARGE, failure(tooBig));
        assertSucceeded(fine);
        assertSucceeded(alsoFine);
    }

    /**
     * Hazard 8: every request that carries a put (its first attempt, the sender's retries after an unknown outcome,
     * a regrouped batch, the put resent alone) names it with the same (client id, seq), so the store can apply it
     * at most once. Before, requests carried no id at all.
     */
    @Test
    void aPutNamesTheSameIdInEveryRequestThatCarriesIt() throws Exception {
        WriteSequencer seqs = new WriteSequencer(0x5EEDL);
        PutCoalescer puts = new PutCoalescer(sender, cache, new PutCoalescing(128, DataSize.ofMegabytes(1), 1),
                seqs);
        puts.put(Key.of("a"), bytes("1"), Deadline.after(LONG));
        CompletableFuture<Void> hurried = puts.put(Key.of("b"), bytes("2"), Deadline.after(Duration.ofMillis(300)));
        CompletableFuture<Void> patient = puts.put(Key.of("c"), bytes("3"), Deadline.after(LONG));
        java.util.concurrent.atomic.AtomicInteger singles = new java.util.concurrent.atomic.AtomicInteger();
        responder = request -> {
            // Batches never get an answer; the first single put of c does not either.
            if (request.hasBatchPut() || singles.getAndIncrement() == 0) {
                throw new UnknownResultException(request.getRequestId(), "no answer", null);
            }
            return ok(request);
        };
        next().ok();
        assertThrows(ExecutionException.class, () -> hurried.get(10, TimeUnit.SECONDS));
        patient.get(10, TimeUnit.SECONDS);

        java.util.Map<String, java.util.Set<Long>> seqsByKey = new java.util.TreeMap<>();
        for (KvProto.Request request : sent) {
            assertTrue(request.hasWriteIds(), "every put request names its writes");
            assertEquals(0x5EEDL, request.getWriteIds().getClientId());
            List<String> keys = keysOf(request);
            assertEquals(keys.size(), request.getWriteIds().getSeqsCount());
            for (int i = 0; i < keys.size(); i++) {
                long seq = request.getWriteIds().getSeqs(i);
                assertTrue(request.getWriteIds().getLowestUnanswered() <= seq, "its own put is unanswered");
                seqsByKey.computeIfAbsent(keys.get(i), k -> new java.util.TreeSet<>()).add(seq);
            }
        }
        assertEquals(java.util.Map.of("a", java.util.Set.of(1L), "b", java.util.Set.of(2L), "c", java.util.Set.of(3L)),
                seqsByKey, "one seq per put, the same in every request that carried it");
        long requestsCarryingC = sent.stream().filter(r -> keysOf(r).contains("c")).count();
        assertTrue(requestsCarryingC >= 4, "c went in the batch, its retries, and twice alone: " + requestsCarryingC);
        assertEquals(0, seqs.outstanding(), "every put has its answer");
        assertEquals(4, seqs.lowestUnanswered());
    }

    @Test
    void eachPutKeepsItsOwnDeadlineWhenItsBatchRunsOutOfTime() throws Exception {
        PutCoalescer puts = coalescer(128, 1);
        puts.put(Key.of("a"), bytes("1"), Deadline.after(LONG));
        CompletableFuture<Void> hurried = puts.put(Key.of("b"), bytes("2"), Deadline.after(Duration.ofMillis(300)));
        CompletableFuture<Void> patient = puts.put(Key.of("c"), bytes("3"), Deadline.after(LONG));
        // Every batch times out with an unknown outcome (and is retried by the sender until the batch's deadline,
        // the hurried put's); single puts succeed.
        responder = request -> {
            if (request.hasBatchPut()) {
                throw new UnknownResultException(request.getRequestId(), "no answer", null);
            }
            return ok(request);
        };
        next().ok();
        assertInstanceOf(UnknownResultException.class,
                assertThrows(ExecutionException.class, () -> hurried.get(10, TimeUnit.SECONDS)).getCause(),
                "the put the batch was timed by takes its unknown outcome");
        patient.get(10, TimeUnit.SECONDS); // went round again within its own deadline and landed
        KvProto.Request last = sent.get(sent.size() - 1);
        assertEquals("c", last.getPut().getKey().toStringUtf8());
        // How often the sender retried the batch within 300 ms depends on the machine's load (a full run on the loaded 2-core machine failed once on
        // "at least twice"); that the batch was sent is what this test needs.
        assertTrue(sent.stream().anyMatch(KvProto.Request::hasBatchPut), "the batch was sent");
    }

    @Test
    void aPutWhoseDeadlinePassedWhileItWaitedIsNotSent() {
        PutCoalescer puts = coalescer(128, 1);
        CompletableFuture<Void> a = puts.put(Key.of("a"), bytes("1"), Deadline.after(LONG));
        CompletableFuture<Void> expired = puts.put(Key.of("b"), bytes("2"), Deadline.after(Duration.ZERO));
        next().ok();
        assertSucceeded(a);
        assertEquals(ErrorKind.DEADLINE_EXCEEDED, failure(expired));
        assertEquals(1, sent.size());
        assertTrue(held.isEmpty());
    }

    @Test
    void turnedOffEveryPutIsItsOwnRequest() {
        PutCoalescer puts = new PutCoalescer(sender, cache, PutCoalescing.OFF);
        for (int i = 0; i < 10; i++) {
            puts.put(Key.of("k" + i), bytes("v"), Deadline.after(LONG));
        }
        assertEquals(10, held.size());
        assertTrue(held.stream().allMatch(c -> c.request().hasPut()));
        answerAll();
        assertEquals(new PutCoalescer.Counts(10, 10, 0), puts.counts());
    }

    @Test
    void valuesAreCopiedWhenPutReturns() {
        PutCoalescer puts = coalescer(128, 1);
        puts.put(Key.of("a"), bytes("1"), Deadline.after(LONG));
        byte[] reused = bytes("before");
        puts.put(Key.of("b"), reused, Deadline.after(LONG));
        puts.put(Key.of("c"), bytes("x"), Deadline.after(LONG));
        reused[0] = 'X';
        next().ok();
        assertEquals(ByteString.copyFromUtf8("before"), next().request().getBatchPut().getPairs(0).getValue());
    }

    @Test
    void manyThreadsPuttingAtOnceLoseNothingAndLeaveNoSlotTaken() throws Exception {
        // A store that answers on other threads, as a real connection does; one request per region at a time, so a
        // slot never given back would stall the region's next put for good.
        ExecutorService answers = Executors.newFixedThreadPool(2);
        AtomicLong pairsSent = new AtomicLong();
        StoreTransport async = (address, request, deadline) -> {
            KvProto.Request built = request.build();
            pairsSent.addAndGet(built.hasBatchPut() ? built.getBatchPut().getPairsCount() : 1);
            return CompletableFuture.supplyAsync(() -> ok(built), answers);
        };
        PutCoalescer puts = new PutCoalescer(new RegionRequestSender(cache, pd, async, answers, timer), cache,
                new PutCoalescing(128, DataSize.ofMegabytes(1), 1));
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<CompletableFuture<Void>>>> made = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                made.add(callers.submit(() -> {
                    List<CompletableFuture<Void>> mine = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        mine.add(puts.put(Key.of("t" + thread + "-" + i), bytes("v"), Deadline.after(LONG)));
                    }
                    return mine;
                }));
            }
            for (var f : made) {
                CompletableFuture.allOf(f.get(30, TimeUnit.SECONDS).toArray(CompletableFuture[]::new))
                        .get(30, TimeUnit.SECONDS);
            }
            PutCoalescer.Counts counts = puts.counts();
            assertEquals(2000, counts.puts());
            assertEquals(2000, pairsSent.get(), "every put sent exactly once");
            assertTrue(counts.requests() < 2000, "puts that met a busy region went together: " + counts);
            for (int i = 0; i < 3; i++) {
                puts.put(Key.of("after" + i), bytes("v"), Deadline.after(LONG)).get(10, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
            answers.shutdownNow();
        }
    }
}
