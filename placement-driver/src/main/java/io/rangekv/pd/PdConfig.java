package io.rangekv.pd;

import io.rangekv.config.DataSize;
import io.rangekv.config.Settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a PD member is configured with, validated once when built.
 *
 * @param memberId          this member's id, one of {@code members}
 * @param dataDir           the PD's Raft log, meta and RaftSnapshots
 * @param members           every PD member (one in a playground, three in production); each member gets the same list
 * @param electionTimeout   how long a PD follower waits for its leader before campaigning
 * @param maxReplicas       replicas per region; the cluster bootstraps once this many stores have registered
 * @param schedule          thresholds and intervals of the schedulers
 */
public record PdConfig(long memberId, Path dataDir, List<PdMember> members, Duration electionTimeout,
                       int maxReplicas, ScheduleConfig schedule) {
    public PdConfig {
        members = List.copyOf(members);
        if (members.stream().noneMatch(m -> m.memberId() == memberId)) {
            throw new IllegalArgumentException("pd.id " + memberId + " is not in pd.members " + members);
        }
        if (maxReplicas < 1) {
            throw new IllegalArgumentException("pd.max-replicas must be at least 1: " + maxReplicas);
        }
    }

    public PdMember self() {
        return members.stream().filter(m -> m.memberId() == memberId).findFirst().orElseThrow();
    }

    /**
     * When a region is split automatically, and how often stores report.
     *
     * @param splitSize          split a region whose approximate size passes this (0 = never by size)
     * @param splitKeys          split a region whose approximate key count passes this (0 = never by keys)
     * @param splitCoolDown      after a split instruction for a region, wait this long before another one
     * @param storeDownTime      a store silent for this long is shown as DISCONNECTED (DOWN handling is issue 4's)
     */
    public record ScheduleConfig(DataSize splitSize, long splitKeys, Duration splitCoolDown, Duration storeDownTime) {
        public static final ScheduleConfig DEFAULTS = new ScheduleConfig(DataSize.ofMegabytes(96), 960_000,
                Duration.ofSeconds(10), Duration.ofSeconds(30));

        static ScheduleConfig from(Settings s) {
            return new ScheduleConfig(
                    s.getDataSize("schedule.split-size", DEFAULTS.splitSize),
                    s.getLong("schedule.split-keys", DEFAULTS.splitKeys),
                    s.getDuration("schedule.split-cool-down", DEFAULTS.splitCoolDown),
                    s.getDuration("schedule.store-disconnected-after", DEFAULTS.storeDownTime));
        }
    }

    /**
     * Reads a PD config. Keys: {@code pd.id}, {@code pd.data-dir}, {@code pd.members}
     * ({@code id@host:rpcPort/raftPort/httpPort}, comma-separated; default: this one member on
     * {@code pd.host}, {@code pd.rpc-port}, {@code pd.raft-port}, {@code pd.http-port}), {@code pd.election-timeout},
     * {@code pd.max-replicas}, and the {@code schedule.*} group. Unknown keys are an error.
     */
    public static PdConfig from(Settings s) {
        long id = s.getLong("pd.id", 1);
        String host = s.getString("pd.host", "127.0.0.1");
        int rpcPort = s.getInt("pd.rpc-port", 2379);
        int raftPort = s.getInt("pd.raft-port", 2380);
        int httpPort = s.getInt("pd.http-port", 2381);
        String membersText = s.getString("pd.members", "");
        List<PdMember> members = membersText.isBlank()
                ? List.of(new PdMember(id, host, rpcPort, raftPort, httpPort))
                : PdMember.parseList(membersText);
        PdConfig config = new PdConfig(id, Path.of(s.getString("pd.data-dir", "data/pd")), members,
                s.getDuration("pd.election-timeout", Duration.ofMillis(1000)),
                s.getInt("pd.max-replicas", 3),
                ScheduleConfig.from(s));
        if (!s.unusedKeys().isEmpty()) {
            throw new IllegalArgumentException("unknown PD config keys: " + s.unusedKeys());
        }
        return config;
    }
}
