package io.rangekv.store.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.rangekv.proto.gen.ErrorProto;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.wire.FrameCodec;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The handler on an in-memory channel: every buffer is released (Surefire runs Netty's paranoid leak detector). */
class KvRequestHandlerTest {
    private static EmbeddedChannel channel(FakeDispatcher fake) {
        EmbeddedChannel ch = new EmbeddedChannel();
        FrameCodec.install(ch.pipeline(), 1 << 16, KvProto.Request.getDefaultInstance());
        ch.pipeline().addLast(new KvRequestHandler(new RequestValidator(RpcLimits.DEFAULTS), fake, RpcLimits.DEFAULTS,
                new AtomicInteger()));
        return ch;
    }

    private static KvProto.Response readResponse(EmbeddedChannel ch) throws Exception {
        // The length prefix and the body leave as separate buffers.
        ByteBuf header = ch.readOutbound();
        ByteBuf body = ch.readOutbound();
        try {
            int length = header.readInt();
            byte[] bytes = new byte[length];
            body.readBytes(bytes);
            return KvProto.Response.parseFrom(bytes);
        } finally {
            header.release();
            body.release();
        }
    }

    private static ByteBuf framed(byte[] body) {
        return Unpooled.buffer().writeInt(body.length).writeBytes(body);
    }

    @Test
    void answersWithTheRequestsId() throws Exception {
        EmbeddedChannel ch = channel(new FakeDispatcher());
        ch.writeInbound(framed(FakeDispatcher.put("k", "v").setRequestId(41).build().toByteArray()));
        KvProto.Response r = readResponse(ch);
        assertEquals(41, r.getRequestId());
        assertFalse(r.hasError());
        ch.finishAndReleaseAll();
    }

    @Test
    void aMalformedFrameGetsOneErrorAndClosesTheChannel() throws Exception {
        EmbeddedChannel ch = channel(new FakeDispatcher());
        ch.writeInbound(framed(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}));
        KvProto.Response r = readResponse(ch);
        assertEquals(0, r.getRequestId());
        assertEquals(ErrorProto.ErrorCode.MALFORMED_FRAME, r.getError().getCode());
        assertFalse(ch.isActive());
        ch.finishAndReleaseAll();
    }
}
