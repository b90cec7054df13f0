package io.rangekv.store.rpc;

import com.google.protobuf.ByteString;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.RequestException;
import io.rangekv.meta.Key;
import io.rangekv.proto.gen.KvProto;

/**
 * Checks a request before anything acts on it: a known method, keys present and within size, values within size,
 * batch and scan limits, ranges the right way round. Pure; the same request always gets the same answer.
 */
public final class RequestValidator {
    private final RpcLimits limits;

    public RequestValidator(RpcLimits limits) {
        this.limits = limits;
    }

    /** Throws a {@link RequestException} naming what is wrong; returns normally when the request may proceed. */
    public void validate(KvProto.Request request) {
        if (request.hasWriteIds()) {
            writeIds(request);
        }
        switch (request.getMethodCase()) {
            case GET -> key(request.getGet().getKey());
            case PUT -> {
                key(request.getPut().getKey());
                value(request.getPut().getValue());
            }
            case DELETE -> key(request.getDelete().getKey());
            case DELETE_RANGE -> range(request.getDeleteRange().getStartKey(), request.getDeleteRange().getEndKey());
            case COMPARE_AND_PUT -> {
                key(request.getCompareAndPut().getKey());
                value(request.getCompareAndPut().getExpected());
                value(request.getCompareAndPut().getValue());
            }
            case PUT_IF_ABSENT -> {
                key(request.getPutIfAbsent().getKey());
                value(request.getPutIfAbsent().getValue());
            }
            case BATCH_GET -> {
                batchSize(request.getBatchGet().getKeysCount());
                request.getBatchGet().getKeysList().forEach(this::key);
            }
            case BATCH_PUT -> {
                batchSize(request.getBatchPut().getPairsCount());
                for (KvProto.KvPair pair : request.getBatchPut().getPairsList()) {
                    key(pair.getKey());
                    value(pair.getValue());
                }
            }
            case BATCH_DELETE -> {
                batchSize(request.getBatchDelete().getKeysCount());
                request.getBatchDelete().getKeysList().forEach(this::key);
            }
            case SCAN -> {
                range(request.getScan().getStartKey(), request.getScan().getEndKey());
                if (request.getScan().getLimit() > limits.maxScanLimit()) {
                    throw invalid("scan limit " + request.getScan().getLimit() + " exceeds rpc.max-scan-limit "
                            + limits.maxScanLimit());
                }
            }
            case SPLIT_REGION -> key(request.getSplitRegion().getSplitKey());
            case REGION_STATUS, CHANGE_PEERS, CREATE_REPLICA, LIST_REGIONS, TRIGGER_RAFT_SNAPSHOT,
                    TRANSFER_LEADER -> {
            }
            case METHOD_NOT_SET -> throw new RequestException(ErrorKind.UNKNOWN_METHOD,
                    "unknown or missing method (a newer client's method arrives as none)");
        }
    }

    private void key(ByteString key) {
        if (key.isEmpty()) {
            throw invalid("key must not be empty");
        }
        if (key.size() > limits.maxKeySize().bytes()) {
            throw new RequestException(ErrorKind.KEY_TOO_LARGE, "key of " + key.size()
                    + " bytes exceeds the limit of " + limits.maxKeySize().bytes() + " bytes");
        }
    }

    private void value(ByteString value) {
        if (value.size() > limits.maxValueSize().bytes()) {
            throw new RequestException(ErrorKind.VALUE_TOO_LARGE, "value of " + value.size()
                    + " bytes exceeds the limit of " + limits.maxValueSize().bytes() + " bytes");
        }
    }

    private void range(ByteString start, ByteString end) {
        if (start.size() > limits.maxKeySize().bytes() || end.size() > limits.maxKeySize().bytes()) {
            throw new RequestException(ErrorKind.KEY_TOO_LARGE, "range bound exceeds the key limit of "
                    + limits.maxKeySize().bytes() + " bytes");
        }
        if (!end.isEmpty() && Key.compare(start.toByteArray(), end.toByteArray()) >= 0) {
            throw invalid("range start must be below its end (an empty end means unbounded)");
        }
    }

    private void batchSize(int count) {
        if (count == 0) {
            throw invalid("batch must not be empty");
        }
        if (count > limits.maxBatchKeys()) {
            throw invalid("batch of " + count + " keys exceeds rpc.max-batch-keys " + limits.maxBatchKeys());
        }
    }

    /** Write ids only on the deduplicated writes, with a client id and one seq per mutation. */
    private static void writeIds(KvProto.Request request) {
        KvProto.WriteIds ids = request.getWriteIds();
        int mutations = switch (request.getMethodCase()) {
            case PUT, DELETE -> 1;
            case BATCH_PUT -> request.getBatchPut().getPairsCount();
            case BATCH_DELETE -> request.getBatchDelete().getKeysCount();
            default -> throw invalid("write_ids on " + request.getMethodCase()
                    + ": only PUT, DELETE, BATCH_PUT and BATCH_DELETE are deduplicated");
        };
        if (ids.getClientId() == 0) {
            throw invalid("write_ids without a client id");
        }
        if (ids.getSeqsCount() != mutations) {
            throw invalid("write_ids names " + ids.getSeqsCount() + " sequence numbers for " + mutations
                    + " mutations");
        }
    }

    private static RequestException invalid(String message) {
        return RequestException.invalidArgument(message);
    }
}
