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
     * What the schedulers do and how fast. Every scheduler can be switched off.
     *
     * @param splitSize          split a region whose approximate size passes this (0 = never by size)
     * @param splitKeys          split a region whose approximate key count passes this (0 = never by keys)
     * @param splitCoolDown      after a split instruction for a region, wait this long before another one
     * @param storeDownTime      a store silent for this long is DISCONNECTED: no new replicas or leaders go there
     * @param maxStoreDownTime   a store silent for this long is DOWN: its replicas are re-created elsewhere
     * @param interval           how often the schedulers look at the cluster
     * @param maxOperatorsPerStore operators touching one store at once (bounds the snapshot traffic on a store)
     * @param operatorTimeout    an operator not done by then is ended (and a learner it added is removed)
     * @param replicaRepair      re-create replicas of DOWN stores, keep regions at pd.max-replicas
     * @param leaderBalance      even out leaders across stores
     * @param regionBalance      even out replicas across stores
     * @param balanceTolerance   how far above the idlest store the busiest may be before a move
     * @param splitQps           split a region serving more keys per second (read + written) than this ...
     * @param splitLoadDuration  ... for this long without a break (0 keys/s = never by load)
     * @param merge              when adjacent small regions merge
     * @param hotRegionQps       a region serving at least this many keys per second (read + written) is hot: hot
     *                           regions' leaders are spread across stores (0 = off)
     * @param regionCoolDown     after an operator on a region ends, balancing, hot-region and merge operators leave
     *                           the region alone this long (repairs, rollbacks and admin requests do not wait)
     */
    public record ScheduleConfig(DataSize splitSize, long splitKeys, Duration splitCoolDown, Duration storeDownTime,
                                 Duration maxStoreDownTime, Duration interval, int maxOperatorsPerStore,
                                 Duration operatorTimeout, boolean replicaRepair, boolean leaderBalance,
                                 boolean regionBalance, int balanceTolerance, long splitQps,
                                 Duration splitLoadDuration, MergeConfig merge, long hotRegionQps,
                                 Duration regionCoolDown, Duration consistencyCheckInterval) {
        public static final ScheduleConfig DEFAULTS = new ScheduleConfig(DataSize.ofMegabytes(96), 960_000,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ofSeconds(1), 4,
                Duration.ofMinutes(10), true, true, true, 1, 3000, Duration.ofSeconds(10), MergeConfig.DEFAULTS, 1000,
                Duration.ofSeconds(10), Duration.ofHours(24));

        /** Every setting but the consistency-check interval, which takes its default. */
        public ScheduleConfig(DataSize splitSize, long splitKeys, Duration splitCoolDown, Duration storeDownTime,
                              Duration maxStoreDownTime, Duration interval, int maxOperatorsPerStore,
                              Duration operatorTimeout, boolean replicaRepair, boolean leaderBalance,
                              boolean regionBalance, int balanceTolerance, long splitQps, Duration splitLoadDuration,
                              MergeConfig merge, long hotRegionQps, Duration regionCoolDown) {
            this(splitSize, splitKeys, splitCoolDown, storeDownTime, maxStoreDownTime, interval, maxOperatorsPerStore,
                    operatorTimeout, replicaRepair, leaderBalance, regionBalance, balanceTolerance, splitQps,
                    splitLoadDuration, merge, hotRegionQps, regionCoolDown, Duration.ofHours(24));
        }

        public ScheduleConfig {
            if (maxStoreDownTime.compareTo(storeDownTime) < 0) {
                throw new IllegalArgumentException("schedule.max-store-down-time must be at least "
                        + "schedule.store-disconnected-after");
            }
            if (maxOperatorsPerStore < 1 || balanceTolerance < 0) {
                throw new IllegalArgumentException("schedule.max-operators-per-store must be positive and "
                        + "schedule.balance-tolerance not negative");
            }
        }

        static ScheduleConfig from(Settings s) {
            ScheduleConfig d = DEFAULTS;
            return new ScheduleConfig(
                    s.getDataSize("schedule.split-size", d.splitSize),
                    s.getLong("schedule.split-keys", d.splitKeys),
                    s.getDuration("schedule.split-cool-down", d.splitCoolDown),
                    s.getDuration("schedule.store-disconnected-after", d.storeDownTime),
                    s.getDuration("schedule.max-store-down-time", d.maxStoreDownTime),
                    s.getDuration("schedule.interval", d.interval),
                    s.getInt("schedule.max-operators-per-store", d.maxOperatorsPerStore),
                    s.getDuration("schedule.operator-timeout", d.operatorTimeout),
                    s.getBoolean("schedule.replica-repair", d.replicaRepair),
                    s.getBoolean("schedule.leader-balance", d.leaderBalance),
                    s.getBoolean("schedule.region-balance", d.regionBalance),
                    s.getInt("schedule.balance-tolerance", d.balanceTolerance),
                    s.getLong("schedule.split-qps", d.splitQps),
                    s.getDuration("schedule.split-load-duration", d.splitLoadDuration),
                    new MergeConfig(s.getBoolean("schedule.region-merge", d.merge.enabled()),
                            s.getDataSize("schedule.max-merge-region-size", d.merge.maxSize()),
                            s.getLong("schedule.max-merge-region-keys", d.merge.maxKeys()),
                            s.getDuration("schedule.split-merge-interval", d.merge.splitMergeInterval())),
                    s.getLong("schedule.hot-region-qps", d.hotRegionQps),
                    s.getDuration("schedule.region-cool-down", d.regionCoolDown),
                    s.getDuration("schedule.consistency-check-interval", d.consistencyCheckInterval));
        }

        /** These settings with another consistency-check interval (zero: only when asked). */
        public ScheduleConfig withConsistencyCheckInterval(Duration every) {
            return new ScheduleConfig(splitSize, splitKeys, splitCoolDown, storeDownTime, maxStoreDownTime, interval,
                    maxOperatorsPerStore, operatorTimeout, replicaRepair, leaderBalance, regionBalance,
                    balanceTolerance, splitQps, splitLoadDuration, merge, hotRegionQps, regionCoolDown, every);
        }

        /** These settings with other merge thresholds (tests). */
        public ScheduleConfig withMerge(MergeConfig newMerge) {
            return new ScheduleConfig(splitSize, splitKeys, splitCoolDown, storeDownTime, maxStoreDownTime, interval,
                    maxOperatorsPerStore, operatorTimeout, replicaRepair, leaderBalance, regionBalance,
                    balanceTolerance, splitQps, splitLoadDuration, newMerge, hotRegionQps, regionCoolDown,
                    consistencyCheckInterval);
        }

        /** These settings with other split thresholds (tests). */
        public ScheduleConfig withSplit(DataSize size, long keys, Duration coolDown) {
            return new ScheduleConfig(size, keys, coolDown, storeDownTime, maxStoreDownTime, interval,
                    maxOperatorsPerStore, operatorTimeout, replicaRepair, leaderBalance, regionBalance,
                    balanceTolerance, splitQps, splitLoadDuration, merge, hotRegionQps, regionCoolDown,
                    consistencyCheckInterval);
        }

        /** These settings with other store timings (tests). */
        public ScheduleConfig withDownTimes(Duration disconnected, Duration down) {
            return new ScheduleConfig(splitSize, splitKeys, splitCoolDown, disconnected, down, interval,
                    maxOperatorsPerStore, operatorTimeout, replicaRepair, leaderBalance, regionBalance,
                    balanceTolerance, splitQps, splitLoadDuration, merge, hotRegionQps, regionCoolDown,
                    consistencyCheckInterval);
        }

        /** These settings with the balancers on or off (tests). */
        public ScheduleConfig withBalance(boolean leaders, boolean regions) {
            return new ScheduleConfig(splitSize, splitKeys, splitCoolDown, storeDownTime, maxStoreDownTime, interval,
                    maxOperatorsPerStore, operatorTimeout, replicaRepair, leaders, regions, balanceTolerance,
                    splitQps, splitLoadDuration, merge, hotRegionQps, regionCoolDown);
        }

        /** These settings with another load-split threshold (tests). */
        public ScheduleConfig withLoadSplit(long qps, Duration duration) {
            return new ScheduleConfig(splitSize, splitKeys, splitCoolDown, storeDownTime, maxStoreDownTime, interval,
                    maxOperatorsPerStore, operatorTimeout, replicaRepair, leaderBalance, regionBalance,
                    balanceTolerance, qps, duration, merge, hotRegionQps, regionCoolDown);
        }
    }

    /**
     * When two adjacent regions merge automatically: both at most {@code maxSize} and {@code maxKeys}, and neither
     * changed its key range (split or merge) within {@code splitMergeInterval}, so a fresh split is not undone.
     */
    public record MergeConfig(boolean enabled, DataSize maxSize, long maxKeys, Duration splitMergeInterval) {
        public static final MergeConfig DEFAULTS = new MergeConfig(true, DataSize.ofMegabytes(20), 200_000,
                Duration.ofHours(1));
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
