package io.rangekv.store.rpc;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.rangekv.concurrent.Futures;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.time.Deadline;
import io.rangekv.wire.ErrorCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection's requests: stamp a deadline, validate, admit (or answer ServerBusy), dispatch, and write the
 * response with the request's id whenever it completes, in any order.
 *
 * <p><b>Concurrency</b>: runs on the connection's event loop; never blocks and never touches an engine. Responses
 * are written from whichever thread completes them ({@code writeAndFlush} hands off to the event loop).
 * <p><b>Failure</b>: a frame that cannot be decoded is a protocol violation: one MALFORMED_FRAME response (request
 * id 0) and this connection closes; other connections are untouched.
 */
final class KvRequestHandler extends SimpleChannelInboundHandler<KvProto.Request> {
    private static final Logger LOG = LoggerFactory.getLogger(KvRequestHandler.class);

    private final RequestValidator validator;
    private final RequestDispatcher dispatcher;
    private final RpcLimits limits;
    private final AtomicInteger inFlight;

    KvRequestHandler(RequestValidator validator, RequestDispatcher dispatcher, RpcLimits limits,
                     AtomicInteger inFlight) {
        this.validator = validator;
        this.dispatcher = dispatcher;
        this.limits = limits;
        this.inFlight = inFlight;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, KvProto.Request request) {
        long requestId = request.getRequestId();
        Duration budget = request.getTimeoutMs() > 0 ? Duration.ofMillis(request.getTimeoutMs())
                : limits.defaultTimeout();
        Deadline deadline = Deadline.after(budget);
        try {
            validator.validate(request);
        } catch (KvException e) {
            ctx.writeAndFlush(errorResponse(requestId, e));
            return;
        }
        if (inFlight.incrementAndGet() > limits.maxInFlight()) {
            inFlight.decrementAndGet();
            ctx.writeAndFlush(errorResponse(requestId, RetryableException.serverBusy(Duration.ofMillis(20),
                    "store is at rpc.max-in-flight " + limits.maxInFlight())));
            return;
        }
        CompletableFuture<KvProto.Response> reply;
        try {
            reply = dispatcher.dispatch(request, deadline);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((response, error) -> {
            inFlight.decrementAndGet();
            ctx.writeAndFlush(error == null ? response : errorResponse(requestId, error));
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException || cause instanceof TooLongFrameException) {
            LOG.debug("closing {} after a malformed frame: {}", ctx.channel().remoteAddress(), cause.getMessage());
            ctx.writeAndFlush(errorResponse(0, new RequestException(ErrorKind.MALFORMED_FRAME,
                            "malformed frame: " + cause.getMessage())))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            LOG.warn("closing {} after an error", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }

    static KvProto.Response errorResponse(long requestId, Throwable error) {
        Throwable cause = Futures.unwrap(error);
        KvException kv = cause instanceof KvException k ? k
                : new RequestException(ErrorKind.UNKNOWN, "internal error: " + cause);
        if (!(cause instanceof KvException)) {
            LOG.warn("request {} failed with an unexpected error", requestId, cause);
        }
        return KvProto.Response.newBuilder().setRequestId(requestId).setError(ErrorCodec.toProto(kv)).build();
    }
}
