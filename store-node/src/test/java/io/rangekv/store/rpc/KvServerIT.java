package io.rangekv.store.rpc;

import io.rangekv.client.rpc.Responses;
import io.rangekv.rpc.RpcProtocol;
import io.rangekv.rpc.RpcConnection;
import io.rangekv.rpc.RpcConnectionPool;

import io.rangekv.config.DataSize;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KV port over real loopback sockets, with a fake region layer: framing, multiplexing, bad input. */
class KvServerIT {
    private static final RpcLimits LIMITS = new RpcLimits(DataSize.ofBytes(64), DataSize.ofKilobytes(4),
            DataSize.ofKilobytes(64), 100, 100, DataSize.ofKilobytes(16), 50, Duration.ofSeconds(5));

    private FakeDispatcher fake;
    private KvServer server;
    private RpcConnectionPool<KvProto.Request.Builder, KvProto.Response> pool;
    private String address;

    @BeforeEach
    void start() {
        fake = new FakeDispatcher();
        server = KvServer.start("127.0.0.1", 0, 1, LIMITS, fake);
        pool = new RpcConnectionPool<>(RpcProtocol.KV, "test-kv", 1, 1);
        address = "127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        pool.close();
        server.close();
    }

    private KvProto.Response call(RpcConnection<KvProto.Request.Builder, KvProto.Response> client, KvProto.Request.Builder request) throws Exception {
        return client.call(request, Deadline.after(Duration.ofSeconds(5))).get(10, TimeUnit.SECONDS);
    }

    private static KvException errorOf(KvProto.Response response) {
        return assertThrows(KvException.class, () -> Responses.throwIfError(response));
    }

    @Test
    void manyRequestsShareOneConnectionAndAnswersMayComeOutOfOrder() throws Exception {
        RpcConnection<KvProto.Request.Builder, KvProto.Response> client = pool.get(address);
        CompletableFuture<KvProto.Response> slow = client.call(FakeDispatcher.put("slow-1", "a"),
                Deadline.after(Duration.ofSeconds(5)));
        List<CompletableFuture<KvProto.Response>> quick = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            quick.add(client.call(FakeDispatcher.put("k" + i, "v" + i), Deadline.after(Duration.ofSeconds(5))));
        }
        for (CompletableFuture<KvProto.Response> f : quick) {
            Responses.throwIfError(f.get(10, TimeUnit.SECONDS));
        }
        assertTrue(!slow.isDone(), "the slow request is still waiting while later ones finished");
        fake.release();
        Responses.throwIfError(slow.get(10, TimeUnit.SECONDS));
        for (int i = 0; i < 40; i++) {
            assertEquals("v" + i, call(client, FakeDispatcher.get("k" + i)).getGet().getValue().toStringUtf8());
        }
    }

    @Test
    void oversizedKeysAndValuesAreRefusedAndTheConnectionStaysUsable() throws Exception {
        RpcConnection<KvProto.Request.Builder, KvProto.Response> client = pool.get(address);
        KvException key = errorOf(call(client, FakeDispatcher.put("k".repeat(65), "v")));
        assertEquals(ErrorKind.KEY_TOO_LARGE, key.kind());
        assertTrue(key.getMessage().contains("65") && key.getMessage().contains("64"), key.getMessage());
        KvException value = errorOf(call(client, FakeDispatcher.put("k", "v".repeat(4097))));
        assertEquals(ErrorKind.VALUE_TOO_LARGE, value.kind());
        KvException empty = errorOf(call(client, FakeDispatcher.put("", "v")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, empty.kind());
        assertTrue(fake.data.isEmpty(), "nothing refused reached the store");
        Responses.throwIfError(call(client, FakeDispatcher.put("ok", "v")));
    }

    @Test
    void anUnknownMethodGetsAClearErrorAndTheConnectionStaysUsable() throws Exception {
        RpcConnection<KvProto.Request.Builder, KvProto.Response> client = pool.get(address);
        KvException unknown = errorOf(call(client, KvProto.Request.newBuilder()));
        assertEquals(ErrorKind.UNKNOWN_METHOD, unknown.kind());
        Responses.throwIfError(call(client, FakeDispatcher.put("ok", "v")));
    }

    @Test
    void aMalformedFrameClosesOnlyThatConnection() throws Exception {
        RpcConnection<KvProto.Request.Builder, KvProto.Response> good = pool.get(address);
        Responses.throwIfError(call(good, FakeDispatcher.put("before", "1")));
        for (byte[] garbage : List.of(frame(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}),
                lengthOnly(1 << 30))) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                socket.setSoTimeout(5000);
                socket.getOutputStream().write(garbage);
                socket.getOutputStream().flush();
                InputStream in = socket.getInputStream();
                while (in.read() != -1) {
                    // The store may send one MALFORMED_FRAME response; then it must close.
                }
            }
        }
        assertEquals("1", call(good, FakeDispatcher.get("before")).getGet().getValue().toStringUtf8());
        Responses.throwIfError(call(good, FakeDispatcher.put("after", "2")));
        assertEquals(2, fake.data.size());
    }

    @Test
    void regionErrorsTravelWithTheirPayload() throws Exception {
        KvException e = errorOf(call(pool.get(address), FakeDispatcher.put("not-leader", "v")));
        RegionException.NotLeader nl = assertInstanceOf(RegionException.NotLeader.class, e);
        assertEquals(7, nl.regionId());
        assertEquals(2, nl.leader().orElseThrow().storeId());
        assertEquals("127.0.0.1:9", nl.leaderAddress());
    }

    @Test
    void aRequestWithoutAnswerBeforeTheDeadlineHasAnUnknownResult() {
        CompletableFuture<KvProto.Response> f = pool.get(address).call(FakeDispatcher.put("never", "v"),
                Deadline.after(Duration.ofMillis(200)));
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertInstanceOf(UnknownResultException.class, e.getCause());
    }

    @Test
    void aStoppedStoreIsUnavailableNotUnknown() throws Exception {
        Responses.throwIfError(call(pool.get(address), FakeDispatcher.put("k", "v")));
        server.close();
        try (RpcConnectionPool<KvProto.Request.Builder, KvProto.Response> fresh =
                     new RpcConnectionPool<>(RpcProtocol.KV, "test-kv-fresh", 1, 1)) {
            CompletableFuture<KvProto.Response> f = fresh.get(address).call(FakeDispatcher.get("k"),
                    Deadline.after(Duration.ofSeconds(2)));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            RetryableException r = assertInstanceOf(RetryableException.class, e.getCause());
            assertEquals(ErrorKind.STORE_UNAVAILABLE, r.kind());
        }
        server = KvServer.start("127.0.0.1", 0, 1, LIMITS, fake);
    }

    @Test
    void beyondTheInFlightCapTheStoreSaysBusy() throws Exception {
        RpcConnection<KvProto.Request.Builder, KvProto.Response> client = pool.get(address);
        List<CompletableFuture<KvProto.Response>> parked = new ArrayList<>();
        for (int i = 0; i < LIMITS.maxInFlight(); i++) {
            parked.add(client.call(FakeDispatcher.put("slow-" + i, "v"), Deadline.after(Duration.ofSeconds(5))));
        }
        io.rangekv.store.cluster.Await.until("the store to hold every slow request", Duration.ofSeconds(10),
                () -> fake.parked.get() == LIMITS.maxInFlight());
        KvException busy = errorOf(call(client, FakeDispatcher.put("one-more", "v")));
        assertEquals(ErrorKind.SERVER_BUSY, busy.kind());
        fake.release();
        for (CompletableFuture<KvProto.Response> f : parked) {
            Responses.throwIfError(f.get(10, TimeUnit.SECONDS));
        }
        Responses.throwIfError(call(client, FakeDispatcher.put("one-more", "v")));
    }

    private static byte[] frame(byte[] body) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(body.length);
        out.write(body);
        return bytes.toByteArray();
    }

    private static byte[] lengthOnly(int length) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        new DataOutputStream(bytes).writeInt(length);
        return bytes.toByteArray();
    }

}
