package io.rangekv.wire;

import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.ReplicaFatalException;
import io.rangekv.error.RequestException;
import io.rangekv.error.RetryableException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.ErrorProto;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorCodecTest {
    private static final Region REGION = new Region(5, new KeyRange(Key.of("a"), Key.of("m")),
            new RegionEpoch(2, 3), List.of(Peer.voter(11, 1), Peer.voter(12, 2)));

    private static KvException roundTrip(KvException e) throws Exception {
        return ErrorCodec.fromProto(ErrorProto.Error.parseFrom(ErrorCodec.toProto(e).toByteArray()));
    }

    @Test
    void notLeaderKeepsItsHint() throws Exception {
        var back = assertInstanceOf(RegionException.NotLeader.class,
                roundTrip(new RegionException.NotLeader(5, Peer.voter(12, 2), "127.0.0.1:20161")));
        assertEquals(5, back.regionId());
        assertEquals(Peer.voter(12, 2), back.leader().orElseThrow());
        assertEquals("127.0.0.1:20161", back.leaderAddress());
        var noHint = assertInstanceOf(RegionException.NotLeader.class,
                roundTrip(new RegionException.NotLeader(5, null, "")));
        assertTrue(noHint.leader().isEmpty());
    }

    @Test
    void epochNotMatchKeepsCurrentRegions() throws Exception {
        var back = assertInstanceOf(RegionException.EpochNotMatch.class,
                roundTrip(new RegionException.EpochNotMatch(5, List.of(REGION), "stale")));
        assertEquals(List.of(REGION), back.currentRegions());
    }

    @Test
    void keyNotInRegionKeepsKeyAndRegion() throws Exception {
        var back = assertInstanceOf(RegionException.KeyNotInRegion.class,
                roundTrip(new RegionException.KeyNotInRegion(Key.of("z"), REGION)));
        assertEquals(Key.of("z"), back.key());
        assertEquals(REGION, back.region());
    }

    @Test
    void serverBusyKeepsBackoff() throws Exception {
        var back = assertInstanceOf(RetryableException.class,
                roundTrip(RetryableException.serverBusy(Duration.ofMillis(75), "busy")));
        assertEquals(ErrorKind.SERVER_BUSY, back.kind());
        assertEquals(Duration.ofMillis(75), back.backoff());
    }

    @Test
    void everyKindRoundTripsItsKind() throws Exception {
        for (ErrorKind kind : ErrorKind.values()) {
            assertEquals(kind, ErrorCodec.kindOf(ErrorCodec.codeOf(kind)), kind.name());
        }
        assertEquals(ErrorKind.STORAGE_FULL,
                roundTrip(ReplicaFatalException.storageFull("full", null)).kind());
        assertEquals(ErrorKind.KEY_TOO_LARGE,
                roundTrip(new RequestException(ErrorKind.KEY_TOO_LARGE, "too big")).kind());
    }

    @Test
    void unknownCodeFromANewerPeerIsNotRetryable() {
        ErrorProto.Error fromTheFuture = ErrorProto.Error.newBuilder().setCodeValue(999).setMessage("?").build();
        KvException e = ErrorCodec.fromProto(fromTheFuture);
        assertEquals(ErrorKind.UNKNOWN, e.kind());
        assertEquals(ErrorKind.ErrorClass.REQUEST, e.kind().errorClass());
    }
}
