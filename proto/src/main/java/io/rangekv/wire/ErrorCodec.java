package io.rangekv.wire;

import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.ReplicaFatalException;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.proto.gen.ErrorProto;

import java.time.Duration;

/**
 * Converts errors between the sealed {@link KvException} family and the wire {@code Error}. A code this build does
 * not know becomes {@link ErrorKind#UNKNOWN}, which is not retryable.
 */
public final class ErrorCodec {
    private ErrorCodec() {
    }

    public static ErrorProto.Error toProto(KvException error) {
        ErrorProto.Error.Builder b = ErrorProto.Error.newBuilder()
                .setCode(codeOf(error.kind()))
                .setMessage(error.getMessage() == null ? "" : error.getMessage());
        if (error instanceof RegionException region) {
            b.setRegionId(region.regionId());
        }
        if (error instanceof RegionException.NotLeader notLeader) {
            ErrorProto.NotLeader.Builder nl = ErrorProto.NotLeader.newBuilder()
                    .setLeaderAddress(notLeader.leaderAddress());
            notLeader.leader().ifPresent(p -> nl.setLeader(MetaCodec.toProto(p)));
            b.setNotLeader(nl);
        } else if (error instanceof RegionException.EpochNotMatch epoch) {
            ErrorProto.EpochNotMatch.Builder em = ErrorProto.EpochNotMatch.newBuilder();
            epoch.currentRegions().forEach(r -> em.addCurrentRegions(MetaCodec.toProto(r)));
            b.setEpochNotMatch(em);
        } else if (error instanceof RegionException.KeyNotInRegion notIn) {
            b.setKeyNotInRegion(ErrorProto.KeyNotInRegion.newBuilder()
                    .setKey(MetaCodec.toProto(notIn.key()))
                    .setRegion(MetaCodec.toProto(notIn.region())));
        } else if (error instanceof RetryableException retryable) {
            b.setServerBusy(ErrorProto.ServerBusy.newBuilder()
                    .setBackoffMs((int) Math.min(Integer.MAX_VALUE, retryable.backoff().toMillis())));
        }
        return b.build();
    }

    public static KvException fromProto(ErrorProto.Error error) {
        ErrorKind kind = kindOf(error.getCode());
        String message = error.getMessage();
        return switch (kind) {
            case NOT_LEADER -> {
                ErrorProto.NotLeader nl = error.getNotLeader();
                yield new RegionException.NotLeader(error.getRegionId(),
                        nl.hasLeader() ? MetaCodec.fromProto(nl.getLeader()) : null, nl.getLeaderAddress());
            }
            case EPOCH_NOT_MATCH -> new RegionException.EpochNotMatch(error.getRegionId(),
                    MetaCodec.regionsFromProto(error.getEpochNotMatch().getCurrentRegionsList()), message);
            case REGION_NOT_FOUND -> new RegionException.RegionNotFound(error.getRegionId());
            case KEY_NOT_IN_REGION -> new RegionException.KeyNotInRegion(
                    MetaCodec.keyFromProto(error.getKeyNotInRegion().getKey()),
                    MetaCodec.fromProto(error.getKeyNotInRegion().getRegion()));
            case SERVER_BUSY, STORE_UNAVAILABLE -> new RetryableException(kind,
                    Duration.ofMillis(error.getServerBusy().getBackoffMs()), message);
            case UNKNOWN_RESULT -> new UnknownResultException(0, message, null);
            case STORAGE_FULL, REPLICA_FATAL -> new ReplicaFatalException(kind, message, null);
            case INVALID_ARGUMENT, KEY_TOO_LARGE, VALUE_TOO_LARGE, DEADLINE_EXCEEDED, UNKNOWN_METHOD,
                    MALFORMED_FRAME, UNKNOWN -> new RequestException(kind, message);
        };
    }

    static ErrorProto.ErrorCode codeOf(ErrorKind kind) {
        return switch (kind) {
            case NOT_LEADER -> ErrorProto.ErrorCode.NOT_LEADER;
            case EPOCH_NOT_MATCH -> ErrorProto.ErrorCode.EPOCH_NOT_MATCH;
            case REGION_NOT_FOUND -> ErrorProto.ErrorCode.REGION_NOT_FOUND;
            case KEY_NOT_IN_REGION -> ErrorProto.ErrorCode.KEY_NOT_IN_REGION;
            case SERVER_BUSY -> ErrorProto.ErrorCode.SERVER_BUSY;
            case STORE_UNAVAILABLE -> ErrorProto.ErrorCode.STORE_UNAVAILABLE;
            case UNKNOWN_RESULT -> ErrorProto.ErrorCode.UNKNOWN_RESULT;
            case INVALID_ARGUMENT -> ErrorProto.ErrorCode.INVALID_ARGUMENT;
            case KEY_TOO_LARGE -> ErrorProto.ErrorCode.KEY_TOO_LARGE;
            case VALUE_TOO_LARGE -> ErrorProto.ErrorCode.VALUE_TOO_LARGE;
            case DEADLINE_EXCEEDED -> ErrorProto.ErrorCode.DEADLINE_EXCEEDED;
            case UNKNOWN_METHOD -> ErrorProto.ErrorCode.UNKNOWN_METHOD;
            case MALFORMED_FRAME -> ErrorProto.ErrorCode.MALFORMED_FRAME;
            case STORAGE_FULL -> ErrorProto.ErrorCode.STORAGE_FULL;
            case REPLICA_FATAL -> ErrorProto.ErrorCode.REPLICA_FATAL;
            case UNKNOWN -> ErrorProto.ErrorCode.UNKNOWN;
        };
    }

    static ErrorKind kindOf(ErrorProto.ErrorCode code) {
        return switch (code) {
            case NOT_LEADER -> ErrorKind.NOT_LEADER;
            case EPOCH_NOT_MATCH -> ErrorKind.EPOCH_NOT_MATCH;
            case REGION_NOT_FOUND -> ErrorKind.REGION_NOT_FOUND;
            case KEY_NOT_IN_REGION -> ErrorKind.KEY_NOT_IN_REGION;
            case SERVER_BUSY -> ErrorKind.SERVER_BUSY;
            case STORE_UNAVAILABLE -> ErrorKind.STORE_UNAVAILABLE;
            case UNKNOWN_RESULT -> ErrorKind.UNKNOWN_RESULT;
            case INVALID_ARGUMENT -> ErrorKind.INVALID_ARGUMENT;
            case KEY_TOO_LARGE -> ErrorKind.KEY_TOO_LARGE;
            case VALUE_TOO_LARGE -> ErrorKind.VALUE_TOO_LARGE;
            case DEADLINE_EXCEEDED -> ErrorKind.DEADLINE_EXCEEDED;
            case UNKNOWN_METHOD -> ErrorKind.UNKNOWN_METHOD;
            case MALFORMED_FRAME -> ErrorKind.MALFORMED_FRAME;
            case STORAGE_FULL -> ErrorKind.STORAGE_FULL;
            case REPLICA_FATAL -> ErrorKind.REPLICA_FATAL;
            case UNKNOWN, UNRECOGNIZED -> ErrorKind.UNKNOWN;
        };
    }
}
