package io.rangekv.pd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rangekv.meta.Key;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.MetaCodec;

import java.util.Base64;

/**
 * The admin API's JSON shapes. Keys appear twice: {@code start_key} readable (printable ASCII as is, other bytes as
 * {@code \xNN}) and {@code start_key_base64} exact.
 */
final class AdminJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private AdminJson() {
    }

    static ObjectNode region(PdProto.RegionInfo info) {
        Region region = MetaCodec.fromProto(info.getRegion());
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", region.regionId());
        key(n, "start_key", region.range().start());
        key(n, "end_key", region.range().end());
        n.putObject("epoch").put("conf_version", region.epoch().confVersion())
                .put("version", region.epoch().version());
        ArrayNode peers = n.putArray("peers");
        region.peers().forEach(p -> peers.add(peer(p)));
        if (info.hasLeader()) {
            n.set("leader", peer(MetaCodec.fromProto(info.getLeader())));
        } else {
            n.putNull("leader");
        }
        n.put("approximate_size", info.getApproximateBytes());
        n.put("approximate_keys", info.getApproximateKeys());
        n.put("write_bytes_per_sec", info.getWriteBytesPerSec());
        n.put("read_bytes_per_sec", info.getReadBytesPerSec());
        n.put("write_keys_per_sec", info.getWriteKeysPerSec());
        n.put("read_keys_per_sec", info.getReadKeysPerSec());
        return n;
    }

    static ObjectNode store(PdProto.StoreInfo info) {
        PdProto.StoreStats stats = info.getStats();
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", info.getStore().getStoreId());
        n.put("kv_address", info.getStore().getKvAddress());
        n.put("raft_address", info.getStore().getRaftAddress());
        n.put("state", info.getStore().getState().name());
        ObjectNode labels = n.putObject("labels");
        info.getStore().getLabelsMap().forEach(labels::put);
        n.put("region_count", stats.getRegionCount());
        n.put("leader_count", stats.getLeaderCount());
        n.put("capacity_bytes", stats.getCapacityBytes());
        n.put("available_bytes", stats.getAvailableBytes());
        n.put("used_bytes", stats.getUsedBytes());
        if (info.getLastHeartbeatAgoMs() > 0) {
            n.put("last_heartbeat_ago_ms", info.getLastHeartbeatAgoMs());
        } else {
            n.putNull("last_heartbeat_ago_ms");
        }
        return n;
    }

    static ObjectNode peer(Peer peer) {
        return MAPPER.createObjectNode().put("peer_id", peer.peerId()).put("store_id", peer.storeId())
                .put("role", peer.role().name());
    }

    static ObjectNode member(PdProto.PdMember m) {
        return MAPPER.createObjectNode().put("id", m.getMemberId()).put("rpc_address", m.getRpcAddress())
                .put("raft_address", m.getRaftAddress()).put("http_address", m.getHttpAddress());
    }

    static ObjectNode operator(io.rangekv.pd.schedule.Operator op) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", op.operatorId()).put("region_id", op.regionId()).put("kind", op.kind())
                .put("reason", op.reason()).put("status", op.status().name());
        ArrayNode steps = n.putArray("steps");
        op.steps().forEach(s -> steps.add(s.toString()));
        n.put("current_step", op.currentIndex() + 1);
        n.put("outcome", op.outcome());
        long end = op.endedAtNanos() == 0 ? System.nanoTime() : op.endedAtNanos();
        n.put("age_ms", (end - op.createdAtNanos()) / 1_000_000);
        return n;
    }

    static ObjectNode error(String kind, String message) {
        ObjectNode n = MAPPER.createObjectNode();
        n.putObject("error").put("kind", kind).put("message", message);
        return n;
    }

    private static void key(ObjectNode n, String field, Key key) {
        byte[] bytes = key.unsafeBytes();
        n.put(field, readable(bytes));
        n.put(field + "_base64", Base64.getEncoder().encodeToString(bytes));
    }

    static String readable(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }
}
