package io.rangekv.pd;

import io.rangekv.config.Settings;
import io.rangekv.proto.gen.MetaProto;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.rpc.PdRpcClient;
import io.rangekv.time.Deadline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * One real PD member (JRaft and all) heard by three fake stores: registration, the bootstrap proposal (whose
 * continuation comes back from JRaft's apply thread to the decision thread), store heartbeats answered with the
 * first region's replica, and a region heartbeat that records a change through the log. Every answer must be free
 * of errors: a confined-state check failing on the wrong thread would answer UNKNOWN.
 */
class PdNodeIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static <T> T await(String what, Supplier<Optional<T>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> value = condition.get();
            if (value.isPresent()) {
                return value.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
    }

    private static PdProto.PdResponse call(PdRpcClient client, PdProto.PdRequest.Builder request) throws Exception {
        PdProto.PdResponse response = client.call(request, Deadline.after(Duration.ofSeconds(5)))
                .get(10, TimeUnit.SECONDS);
        assertFalse(response.hasError(), () -> request.getMethodCase() + " answered " + response.getError());
        return response;
    }

    @Test
    void storesRegisterBootstrapAndReportThroughTheDecisionThread() throws Exception {
        int rpc = freePort();
        Map<String, String> keys = new HashMap<>(Map.of("pd.data-dir", dir.toString(), "pd.rpc-port",
                String.valueOf(rpc), "pd.raft-port", String.valueOf(freePort()), "pd.http-port",
                String.valueOf(freePort()), "pd.election-timeout", "300ms", "schedule.split-keys", "1000"));
        try (PdNode pd = PdNode.start(PdConfig.from(new Settings(keys)));
             PdRpcClient client = new PdRpcClient(List.of("127.0.0.1:" + rpc), "pd-node-it")) {
            await("a leader", () -> Optional.of(pd).filter(PdNode::isLeader));
            for (long s = 1; s <= 3; s++) {
                call(client, PdProto.PdRequest.newBuilder().setPutStore(PdProto.PutStoreRequest.newBuilder()
                        .setStore(MetaProto.Store.newBuilder().setStoreId(s).setKvAddress("127.0.0.1:1" + s)
                                .setRaftAddress("127.0.0.1:2" + s))));
            }
            Map<Long, PdProto.CreateReplica> created = new HashMap<>();
            await("every store told to create the first region", () -> {
                for (long s = 1; s <= 3; s++) {
                    long store = s;
                    try {
                        call(client, PdProto.PdRequest.newBuilder().setStoreHeartbeat(
                                PdProto.StoreHeartbeatRequest.newBuilder().setStoreId(store))).getStoreHeartbeat()
                                .getInstructionsList().stream().filter(PdProto.StoreInstruction::hasCreateReplica)
                                .findFirst().ifPresent(i -> created.put(store, i.getCreateReplica()));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
                return created.size() == 3 ? Optional.of(created) : Optional.empty();
            });
            MetaProto.Region first = created.values().iterator().next().getRegion();
            MetaProto.Region split = first.toBuilder().setEndKey(com.google.protobuf.ByteString.copyFromUtf8("m"))
                    .setEpoch(first.getEpoch().toBuilder().setVersion(first.getEpoch().getVersion() + 1)).build();
            call(client, PdProto.PdRequest.newBuilder().setRegionHeartbeat(PdProto.RegionHeartbeatRequest.newBuilder()
                    .setStoreId(1).addRegions(PdProto.RegionReport.newBuilder().setRegion(split)
                            .setLeader(split.getPeers(0)).setIntervalMs(1000))));
            assertEquals(split, io.rangekv.wire.MetaCodec.toProto(
                    pd.metadata().regionById(split.getRegionId()).orElseThrow()), "recorded through the log");

            // Past schedule.split-keys: a scheduling round decides the split (its ids come through the log) and
            // queues it for the region's next heartbeat.
            PdProto.RegionReport big = PdProto.RegionReport.newBuilder().setRegion(split).setLeader(split.getPeers(0))
                    .setApproximateKeys(5000).setIntervalMs(1000).build();
            PdProto.RegionInstruction splitIt = await("an automatic split", () -> {
                try {
                    return call(client, PdProto.PdRequest.newBuilder().setRegionHeartbeat(
                            PdProto.RegionHeartbeatRequest.newBuilder().setStoreId(1).addRegions(big)))
                            .getRegionHeartbeat().getInstructionsList().stream()
                            .filter(PdProto.RegionInstruction::hasSplit).findFirst();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(split.getEpoch(), splitIt.getEpoch());
            assertEquals(split.getPeersCount(), splitIt.getSplit().getNewPeerIdsCount());
        }
    }
}
