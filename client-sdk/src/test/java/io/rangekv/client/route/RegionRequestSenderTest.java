package io.rangekv.client.route;

import com.google.protobuf.ByteString;
import io.rangekv.client.rpc.StoreTransport;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.ErrorCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The retry loop against a fake placement driver and a scripted transport: no sockets, no real waiting. */
class RegionRequestSenderTest {
    private static final Region WHOLE = new Region(1, KeyRange.ALL, new RegionEpoch(1, 1),
            List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3)));

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final RouteCache cache = new RouteCache(100, Duration.ofMinutes(10), System::nanoTime);
    private final List<String> sentTo = new ArrayList<>();
    private final Deque<Function<KvProto.Request, KvProto.Response>> script = new ArrayDeque<>();

    private final FakePd pd = new FakePd(WHOLE);

    private final StoreTransport transport = (address, request, deadline) -> {
        synchronized (sentTo) {
            sentTo.add(address + "/r" + request.getHeader().getRegionId() + "/v"
                    + request.getHeader().getEpoch().getVersion());
        }
        Function<KvProto.Request, KvProto.Response> next = script.poll();
        if (next == null) {
            return CompletableFuture.completedFuture(ok(request.build()));
        }
        try {
            return CompletableFuture.completedFuture(next.apply(request.build()));
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
    };

    private final RegionRequestSender sender = new RegionRequestSender(cache, pd, transport, Runnable::run, timer);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private static KvProto.Response ok(KvProto.Request request) {
        return KvProto.Response.newBuilder().setRequestId(request.getRequestId())
                .setPut(KvProto.PutResponse.getDefaultInstance()).build();
    }

    private static Function<KvProto.Request, KvProto.Response> answer(KvException error) {
        return request -> KvProto.Response.newBuilder().setError(ErrorCodec.toProto(error)).build();
    }

    private static KvProto.Request.Builder put(String key) {
        return KvProto.Request.newBuilder().setPut(KvProto.PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")));
    }

    private KvProto.Response send(String key, boolean idempotent, Duration budget) throws Exception {
        return sender.send(Key.of(key), put(key), idempotent, ReadConsistency.LINEARIZABLE, Deadline.after(budget))
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void routesThroughTheCacheAndAsksThePlacementDriverOnce() throws Exception {
        send("a", true, Duration.ofSeconds(5));
        send("b", true, Duration.ofSeconds(5));
        assertEquals(1, pd.regionCalls.get());
        assertEquals(List.of("store1:1/r1/v1", "store1:1/r1/v1"), sentTo);
    }

    @Test
    void aNotLeaderHintSendsTheRetryToTheLeader() throws Exception {
        script.add(answer(new RegionException.NotLeader(1, Peer.voter(13, 3), "store3:1")));
        send("a", true, Duration.ofSeconds(5));
        assertEquals(List.of("store1:1/r1/v1", "store3:1/r1/v1"), sentTo);
        send("b", true, Duration.ofSeconds(5));
        assertEquals("store3:1/r1/v1", sentTo.get(2), "the hint is remembered");
    }

    @Test
    void notLeaderAnswersThatKeepComingAreRetriedWithBackoffNotInALoop() {
        // Two replicas pointing at each other (a membership change in flight): every answer is a usable hint.
        for (int i = 0; i < 100_000; i++) {
            Peer hint = i % 2 == 0 ? Peer.voter(13, 3) : Peer.voter(11, 1);
            script.add(answer(new RegionException.NotLeader(1, hint, "store" + hint.storeId() + ":1")));
        }
        assertThrows(ExecutionException.class, () -> send("a", true, Duration.ofMillis(300)));
        assertTrue(sentTo.size() < 30, "backed off after the first hint: " + sentTo.size() + " attempts in 300 ms");
        assertTrue(sentTo.size() >= 3, "but kept trying until the deadline: " + sentTo.size());
    }

    @Test
    void epochNotMatchTeachesTheSplitWithoutAskingThePlacementDriver() throws Exception {
        Region left = new Region(1, new KeyRange(Key.EMPTY, Key.of("m")), new RegionEpoch(1, 2), WHOLE.peers());
        Region right = new Region(7, new KeyRange(Key.of("m"), Key.EMPTY), new RegionEpoch(1, 2),
                List.of(Peer.voter(71, 1), Peer.voter(72, 2), Peer.voter(73, 3)));
        cache.put(new RouteEntry(WHOLE, java.util.Optional.of(WHOLE.peers().get(2)))); // led from store 3
        script.add(answer(new RegionException.EpochNotMatch(1, List.of(left, right), "split")));
        send("x", true, Duration.ofSeconds(5));
        assertEquals(List.of("store3:1/r1/v1", "store3:1/r7/v2"), sentTo,
                "the retry goes to the new right-hand region with its new epoch, on the store that answered (the "
                        + "old leader's, where the split child campaigns at once)");
        assertEquals(0, pd.regionCalls.get());
    }

    @Test
    void busyStoresAreRetriedAfterTheirBackoff() throws Exception {
        script.add(answer(RetryableException.serverBusy(Duration.ofMillis(20), "busy")));
        script.add(answer(RetryableException.serverBusy(Duration.ofMillis(20), "busy")));
        send("a", true, Duration.ofSeconds(5));
        assertEquals(3, sentTo.size());
    }

    @Test
    void anUnknownOutcomeIsRetriedOnlyWhenTheRequestIsIdempotent() throws Exception {
        script.add(r -> {
            throw new UnknownResultException(r.getRequestId(), "timed out", null);
        });
        send("a", true, Duration.ofSeconds(5));
        assertEquals(2, sentTo.size(), "a put is retried");
        script.add(r -> {
            throw new UnknownResultException(r.getRequestId(), "timed out", null);
        });
        ExecutionException e = assertThrows(ExecutionException.class, () -> send("a", false, Duration.ofSeconds(5)));
        assertInstanceOf(UnknownResultException.class, e.getCause(), "a compare-and-put is not");
        assertEquals(3, sentTo.size());
    }

    @Test
    void theDeadlineEndsTheRetriesAndAWriteThatMayHaveLandedStaysUnknown() {
        for (int i = 0; i < 1000; i++) {
            script.add(answer(RetryableException.serverBusy(Duration.ofMillis(30), "busy")));
        }
        ExecutionException busy = assertThrows(ExecutionException.class, () -> send("a", true, Duration.ofMillis(200)));
        assertEquals(ErrorKind.DEADLINE_EXCEEDED, ((KvException) busy.getCause()).kind());
        script.clear();
        script.add(r -> {
            throw new UnknownResultException(r.getRequestId(), "timed out", null);
        });
        for (int i = 0; i < 1000; i++) {
            script.add(answer(RetryableException.serverBusy(Duration.ofMillis(30), "busy")));
        }
        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> send("a", true, Duration.ofMillis(200)));
        assertInstanceOf(UnknownResultException.class, unknown.getCause());
    }

    @Test
    void requestErrorsAreNotRetried() {
        script.add(answer(new io.rangekv.error.RequestException(ErrorKind.KEY_TOO_LARGE, "too big")));
        ExecutionException e = assertThrows(ExecutionException.class, () -> send("a", true, Duration.ofSeconds(5)));
        assertEquals(ErrorKind.KEY_TOO_LARGE, ((KvException) e.getCause()).kind());
        assertEquals(1, sentTo.size());
    }
}
