package io.rangekv.rpc;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import com.google.protobuf.MessageLite;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.time.Deadline;
import io.rangekv.wire.FrameCodec;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One multiplexed connection to one server (a store or a PD member): many requests in flight, answers matched by
 * request id in any order. Connects lazily and reconnects on the next call after the connection breaks.
 *
 * <p><b>Failure classification</b> (what a caller may safely do next):
 * <ul>
 *   <li>deadline already passed before sending → {@code RequestException(DEADLINE_EXCEEDED)}: nothing was sent;</li>
 *   <li>cannot connect, or the write failed before the frame left → {@code RetryableException(STORE_UNAVAILABLE)}:
 *       nothing was sent, retry elsewhere or later;</li>
 *   <li>the deadline passed, or the connection broke, after the frame was written →
 *       {@code UnknownResultException}: the server may have acted on it.</li>
 * </ul>
 *
 * <p><b>Concurrency</b>: thread-safe. Netty event loops read and write; callers' futures complete on the callback
 * executor, never on an event loop.
 *
 * @param <B> the request builder type
 * @param <R> the response type
 */
public final class RpcConnection<B, R extends MessageLite> implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final String address;
    private final RpcProtocol<B, R> protocol;
    private final EventLoopGroup group;
    private final Timer timer;
    private final Executor callbacks;
    private final int maxFrameBytes;
    private final Map<Long, Pending<R>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private CompletableFuture<Channel> connection;
    private volatile boolean closed;

    private record Pending<R>(long requestId, CompletableFuture<R> future, Timeout timeout) {
    }

    RpcConnection(String address, RpcProtocol<B, R> protocol, EventLoopGroup group, Timer timer, Executor callbacks,
                  int maxFrameBytes) {
        this.address = address;
        this.protocol = protocol;
        this.group = group;
        this.timer = timer;
        this.callbacks = callbacks;
        this.maxFrameBytes = maxFrameBytes;
    }

    public String address() {
        return address;
    }

    /**
     * Sends {@code request} (its id and timeout are set here) and completes with the server's response, which may
     * carry an error; see the class doc for how transport failures are reported.
     */
    public CompletableFuture<R> call(B request, Deadline deadline) {
        CompletableFuture<R> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(unavailable("client closed"));
            return result;
        }
        long remaining = deadline.remainingMillis();
        if (remaining <= 0) {
            result.completeExceptionally(new RequestException(ErrorKind.DEADLINE_EXCEEDED,
                    "deadline passed before the request to " + address + " was sent"));
            return result;
        }
        long requestId = nextId.incrementAndGet();
        MessageLite frame = protocol.stamp(request, requestId, (int) Math.min(Integer.MAX_VALUE, remaining));
        connect().whenComplete((channel, connectError) -> {
            if (connectError != null) {
                completeOn(result, null, unavailable("cannot connect: " + connectError.getMessage()));
                return;
            }
            Timeout timeout = timer.newTimeout(t -> expire(requestId), Math.max(1, deadline.remainingMillis()),
                    TimeUnit.MILLISECONDS);
            pending.put(requestId, new Pending<>(requestId, result, timeout));
            channel.writeAndFlush(frame).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    Pending<R> p = pending.remove(requestId);
                    if (p != null) {
                        p.timeout.cancel();
                        completeOn(result, null, unavailable("write failed: " + f.cause()));
                    }
                }
            });
        });
        return result;
    }

    private void expire(long requestId) {
        Pending<R> p = pending.remove(requestId);
        if (p != null) {
            completeOn(p.future, null, new UnknownResultException(requestId,
                    "no answer from " + address + " before the deadline; the request may have taken effect", null));
        }
    }

    private synchronized CompletableFuture<Channel> connect() {
        if (connection != null && !connection.isCompletedExceptionally()
                && (!connection.isDone() || connection.join().isActive())) {
            return connection;
        }
        CompletableFuture<Channel> attempt = new CompletableFuture<>();
        connection = attempt;
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        FrameCodec.install(ch.pipeline(), maxFrameBytes, protocol.responsePrototype());
                        ch.pipeline().addLast("responses", new ResponseHandler());
                    }
                })
                .connect(host, port)
                .addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        attempt.complete(f.channel());
                    } else {
                        attempt.completeExceptionally(f.cause());
                    }
                });
        return attempt;
    }

    private void completeOn(CompletableFuture<R> future, R response, Throwable error) {
        callbacks.execute(() -> {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(response);
            }
        });
    }

    /** Fails every outstanding request: they were sent, so their outcome is unknown. */
    private void failAll(String why) {
        for (Long id : pending.keySet()) {
            Pending<R> p = pending.remove(id);
            if (p != null) {
                p.timeout.cancel();
                completeOn(p.future, null, new UnknownResultException(id, why, null));
            }
        }
    }

    private RetryableException unavailable(String why) {
        return new RetryableException(ErrorKind.STORE_UNAVAILABLE, Duration.ofMillis(100),
                protocol.peerKind() + " " + address + " unavailable: " + why);
    }

    @Override
    public void close() {
        closed = true;
        CompletableFuture<Channel> c;
        synchronized (this) {
            c = connection;
        }
        if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
            c.join().close();
        }
        failAll("client closed with the request outstanding");
    }

    private final class ResponseHandler extends SimpleChannelInboundHandler<MessageLite> {
        @Override
        @SuppressWarnings("unchecked")
        protected void channelRead0(ChannelHandlerContext ctx, MessageLite message) {
            R response = (R) message;
            Pending<R> p = pending.remove(protocol.requestId(response));
            if (p != null) {
                p.timeout.cancel();
                completeOn(p.future, response, null);
            } else {
                // The server rejected a frame it could not read and will close the connection.
                protocol.frameRejection(response).ifPresent(why -> failAll(protocol.peerKind() + " " + address
                        + " rejected a frame: " + why));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failAll("connection to " + address + " closed with the request outstanding");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
