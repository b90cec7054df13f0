package io.rangekv.router.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.rangekv.router.RouterConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Dispatches one HTTP request by path: {@code /health}, {@code /v1/admin/...} (to the PD), {@code /v1/...} (JSON
 * API), anything else the metcd-style raw key API. Runs on a {@code router-io} event loop: it parses, starts the
 * async call and returns; the reply is written when the call completes. Bad input becomes a JSON error at once.
 */
@ChannelHandler.Sharable
public final class RouterHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(RouterHandler.class);

    private final KvRoutes kv;
    private final AdminProxy admin;

    public RouterHandler(io.rangekv.client.AsyncKvClient client, RouterConfig config,
                         java.util.concurrent.Executor adminExecutor) {
        this.kv = new KvRoutes(client, config);
        this.admin = new AdminProxy(config.pdHttpEndpoints(), adminExecutor);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean supportedVersion = request.protocolVersion().majorVersion() == 1;
        boolean keepAlive = supportedVersion && HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            write(ctx, HttpReply.error(new HttpError(400, "BAD_HTTP", "unreadable HTTP request: "
                    + request.decoderResult().cause().getMessage())), false, false);
            return;
        }
        String method = request.method().name();
        String uri = request.uri();
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String rawQuery = q < 0 ? null : uri.substring(q + 1);
        byte[] body = ByteBufUtil.getBytes(request.content());
        CompletableFuture<HttpReply> reply;
        try {
            if (!supportedVersion) {
                // Netty accepts any "HTTP/d.d"; a PUT sent as HTTP/9.9 used to be executed. RFC 9110 15.6.6: refuse
                // a major version we do not speak, and close (we cannot know how that peer frames what follows).
                throw new HttpError(505, "HTTP_VERSION_NOT_SUPPORTED", "only HTTP/1.0 and HTTP/1.1 are served, not "
                        + request.protocolVersion().text());
            }
            reply = route(method, rawPath, rawQuery, body);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        boolean head = method.equals("HEAD");
        ResponseOrder inOrder = ctx.channel().attr(ResponseOrder.KEY).get();
        if (inOrder == null) {
            inOrder = new ResponseOrder();
            ctx.channel().attr(ResponseOrder.KEY).set(inOrder);
        }
        ResponseOrder order = inOrder;
        long seq = order.arrive();
        reply.whenComplete((r, error) -> {
            HttpReply answer = error == null ? r : HttpReply.error(error);
            // Back on this connection's event loop, in request order (pipelined requests complete in any order).
            ctx.executor().execute(() -> order.complete(seq, () -> write(ctx, answer, keepAlive, head)));
        });
    }

    private CompletableFuture<HttpReply> route(String method, String rawPath, String rawQuery, byte[] body) {
        if (rawPath.equals("/health")) {
            return CompletableFuture.completedFuture(HttpReply.json(200,
                    HttpReply.JSON.createObjectNode().put("status", "ok")));
        }
        if (rawPath.startsWith(AdminProxy.PREFIX)) {
            return admin.forward(method, rawPath, rawQuery, body);
        }
        if (rawPath.startsWith("/v1/kv/")) {
            return kv.kv(method, rawPath.substring("/v1/kv/".length()), rawQuery, body);
        }
        return switch (rawPath) {
            case "/v1/cas" -> kv.cas(method, rawQuery, body);
            case "/v1/batch" -> kv.batch(method, rawQuery, body);
            case "/v1/scan" -> kv.scan(method, rawQuery);
            case "/v1/delete-range" -> kv.deleteRange(method, rawQuery, body);
            default -> {
                if (rawPath.startsWith("/v1/") || rawPath.equals("/v1") || rawPath.equals("/")) {
                    throw new HttpError(404, "NOT_FOUND", "no route " + QueryStringDecoder.decodeComponent(rawPath)
                            + "; see router/OVERVIEW.md (keys that start with v1/ go under /v1/kv/)");
                }
                yield kv.raw(method, rawPath.substring(1), rawQuery, body);
            }
        };
    }

    private static void write(ChannelHandlerContext ctx, HttpReply reply, boolean keepAlive, boolean head) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, head ? 0 : reply.body().length);
        for (Map.Entry<String, String> h : reply.headers().entrySet()) {
            response.headers().set(h.getKey(), h.getValue());
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection from {} failed", ctx.channel().remoteAddress(), cause);
        write(ctx, HttpReply.error(new HttpError(400, "BAD_HTTP", "unreadable HTTP request: " + cause.getMessage())),
                false, false);
    }
}
