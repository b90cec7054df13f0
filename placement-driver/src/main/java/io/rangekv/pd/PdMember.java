package io.rangekv.pd;

import io.rangekv.proto.gen.PdProto;

import java.util.ArrayList;
import java.util.List;

/**
 * One member of the PD's Raft group and where to reach it: the RPC port (stores, clients), the Raft port (other PD
 * members) and the HTTP admin port (people, the router).
 */
public record PdMember(long memberId, String host, int rpcPort, int raftPort, int httpPort) {
    public PdMember {
        if (memberId <= 0) {
            throw new IllegalArgumentException("a PD member id must be positive: " + memberId);
        }
    }

    public String rpcAddress() {
        return host + ":" + rpcPort;
    }

    public String raftAddress() {
        return host + ":" + raftPort;
    }

    public String httpAddress() {
        return host + ":" + httpPort;
    }

    public PdProto.PdMember toProto() {
        return PdProto.PdMember.newBuilder().setMemberId(memberId).setRpcAddress(rpcAddress())
                .setRaftAddress(raftAddress()).setHttpAddress(httpAddress()).build();
    }

    /** Parses {@code 1@127.0.0.1:2379/2380/2381,2@...} (id@host:rpcPort/raftPort/httpPort). */
    public static List<PdMember> parseList(String text) {
        List<PdMember> members = new ArrayList<>();
        for (String item : text.split(",")) {
            String entry = item.trim();
            if (entry.isEmpty()) {
                continue;
            }
            try {
                int at = entry.indexOf('@');
                int colon = entry.lastIndexOf(':');
                String[] ports = entry.substring(colon + 1).split("/");
                if (at < 1 || colon < at || ports.length != 3) {
                    throw new IllegalArgumentException("wrong shape");
                }
                members.add(new PdMember(Long.parseLong(entry.substring(0, at)), entry.substring(at + 1, colon),
                        Integer.parseInt(ports[0]), Integer.parseInt(ports[1]), Integer.parseInt(ports[2])));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad value for 'pd.members': '" + entry
                        + "' (expected id@host:rpcPort/raftPort/httpPort)", e);
            }
        }
        return members;
    }

    @Override
    public String toString() {
        return memberId + "@" + host + ":" + rpcPort + "/" + raftPort + "/" + httpPort;
    }
}
