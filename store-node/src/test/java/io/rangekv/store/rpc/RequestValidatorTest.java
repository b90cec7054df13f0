package io.rangekv.store.rpc;

import com.google.protobuf.ByteString;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.RequestException;
import io.rangekv.proto.gen.KvProto;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RequestValidatorTest {
    private final RequestValidator validator = new RequestValidator(RpcLimits.DEFAULTS);

    private ErrorKind refusal(KvProto.Request.Builder request) {
        return assertThrows(RequestException.class, () -> validator.validate(request.build())).kind();
    }

    private static ByteString bytes(int n) {
        return ByteString.copyFrom(new byte[n]);
    }

    @Test
    void acceptsOrdinaryRequests() {
        assertDoesNotThrow(() -> validator.validate(FakeDispatcher.put("k", "v").build()));
        assertDoesNotThrow(() -> validator.validate(KvProto.Request.newBuilder()
                .setScan(KvProto.ScanRequest.newBuilder().setLimit(10)).build()));
    }

    @Test
    void writeIdsMustNameEveryMutationOfADeduplicatedWrite() {
        KvProto.WriteIds one = KvProto.WriteIds.newBuilder().setClientId(7).addSeqs(1).setLowestUnanswered(1).build();
        assertDoesNotThrow(() -> validator.validate(FakeDispatcher.put("k", "v").setWriteIds(one).build()));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refusal(FakeDispatcher.put("k", "v")
                .setWriteIds(one.toBuilder().addSeqs(2))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refusal(FakeDispatcher.put("k", "v")
                .setWriteIds(one.toBuilder().setClientId(0))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refusal(FakeDispatcher.get("k").setWriteIds(one)));
    }

    @Test
    void refusesMissingMethodEmptyAndOversizedKeysAndValues() {
        assertEquals(ErrorKind.UNKNOWN_METHOD, refusal(KvProto.Request.newBuilder()));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refusal(FakeDispatcher.get("")));
        int maxKey = (int) RpcLimits.DEFAULTS.maxKeySize().bytes();
        assertEquals(ErrorKind.KEY_TOO_LARGE, refusal(KvProto.Request.newBuilder()
                .setGet(KvProto.GetRequest.newBuilder().setKey(bytes(maxKey + 1)))));
        assertDoesNotThrow(() -> validator.validate(KvProto.Request.newBuilder()
                .setGet(KvProto.GetRequest.newBuilder().setKey(bytes(maxKey))).build()));
        int maxValue = (int) RpcLimits.DEFAULTS.maxValueSize().bytes();
        assertEquals(ErrorKind.VALUE_TOO_LARGE, refusal(KvProto.Request.newBuilder()
                .setPut(KvProto.PutRequest.newBuilder().setKey(bytes(1)).setValue(bytes(maxValue + 1)))));
    }

    @Test
    void refusesInvertedRangesEmptyOrHugeBatchesAndHugeScans() {
        assertEquals(ErrorKind.INVALID_ARGUMENT, refusal(KvProto.Request.newBuilder()
                .setScan(KvProto.ScanRequest.newBuilder().setStartKey(ByteString.copyFromUtf8("b"))
                        .setEndKey(ByteString.copyFromUtf8("a")))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refusal(KvProto.Request.newBuilder()
                .setBatchGet(KvProto.BatchGetRequest.newBuilder())));
        KvProto.BatchDeleteRequest.Builder tooMany = KvProto.BatchDeleteRequest.newBuilder();
        for (int i = 0; i <= RpcLimits.DEFAULTS.maxBatchKeys(); i++) {
            tooMany.addKeys(ByteString.copyFromUtf8("k" + i));
        }
        assertEquals(ErrorKind.INVALID_ARGUMENT, refusal(KvProto.Request.newBuilder().setBatchDelete(tooMany)));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refusal(KvProto.Request.newBuilder()
                .setScan(KvProto.ScanRequest.newBuilder().setLimit(RpcLimits.DEFAULTS.maxScanLimit() + 1))));
    }
}
