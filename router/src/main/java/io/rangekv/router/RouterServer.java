package io.rangekv.router;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.rangekv.client.KvClient;
import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.router.http.HttpError;
import io.rangekv.router.http.HttpReply;
import io.rangekv.router.http.RouterHandler;
import io.rangekv.rpc.ServerPort;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The router's HTTP port: Netty's HTTP codec, a body limit that answers 413 with a JSON error, then
 * {@link RouterHandler}. Stateless: any number of routers can front one cluster. Threads: {@code router-accept},
 * {@code router-io-*} (parse, hand off, write), {@code router-admin-*} (the PD pass-through's HTTP client), plus
 * the {@link KvClient}'s own.
 */
public final class RouterServer implements AutoCloseable {
    private final ServerPort port;
    private final ExecutorService admin;

    private RouterServer(ServerPort port, ExecutorService admin) {
        this.port = port;
        this.admin = admin;
    }

    /** Binds {@code config.host():config.port()} and serves requests with {@code kv} (owned by the caller). */
    public static RouterServer start(RouterConfig config, KvClient kv) {
        ExecutorService admin = Executors.newFixedThreadPool(2, new NamedThreadFactory("router-admin", true));
        RouterHandler handler = new RouterHandler(kv.async(), config, admin);
        int maxBody = (int) config.maxBody().bytes();
        // A path holds a whole key, percent-encoded (up to three characters a byte), plus the query.
        int maxLine = (int) Math.min(Integer.MAX_VALUE, config.maxKeySize().bytes() * 3 + 4096);
        try {
            return new RouterServer(ServerPort.bind("the router port", "router", config.host(), config.port(),
                    config.ioThreads(), ch -> {
                        ch.pipeline().addLast("http", new HttpServerCodec(maxLine, 16 * 1024, 64 * 1024));
                        ch.pipeline().addLast("body", new BodyLimit(maxBody));
                        ch.pipeline().addLast("router", handler);
                    }), admin);
        } catch (RuntimeException e) {
            admin.shutdownNow();
            throw e;
        }
    }

    public int port() {
        return port.port();
    }

    @Override
    public void close() {
        port.close();
        admin.shutdownNow();
    }

    /** Netty's aggregator, answering an oversized body with our JSON error instead of an empty 413. */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int maxBody;

        BodyLimit(int maxBody) {
            super(maxBody);
            this.maxBody = maxBody;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            HttpReply reply = HttpReply.error(new HttpError(413, "BODY_TOO_LARGE",
                    "the request body is over router.max-body (" + maxBody + " bytes)"));
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(reply.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
            // On a keep-alive connection the aggregator drops the rest of the body as it arrives and the connection
            // stays usable; closing at once instead would reset it under a client still sending (it then sees no
            // answer at all).
            if (io.netty.handler.codec.http.HttpUtil.isKeepAlive(oversized)) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
