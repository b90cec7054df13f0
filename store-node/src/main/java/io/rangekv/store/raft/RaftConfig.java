package io.rangekv.store.raft;

import io.rangekv.config.Settings;

import java.time.Duration;

/**
 * Raft settings shared by every region on a store. Translated into the library's options in one place,
 * {@link JraftOptions}.
 *
 * @param electionTimeout    how long a follower waits for the leader before campaigning; heartbeats go out at a
 *                           tenth of it. Longer means fewer false elections on a loaded machine, slower failover.
 *                           A new split child's replica on the parent leader's store campaigns after a tenth of it
 *                           instead ({@code ElectionCampaign}).
 * @param logSync            fsync each appended log batch (invariant 1: an acknowledged write survives a crash).
 * @param snapshotInterval   how often a region takes a RaftSnapshot on a timer (0 = never by time).
 * @param snapshotLogEntries take a RaftSnapshot once this many entries were applied since the last one, so logs stay
 *                           short however busy a region is.
 * @param maxInflightAppends AppendEntries batches in flight per follower (pipelining).
 * @param snapshotRate       the bytes per second a store spends receiving RaftSnapshots, all regions together
 *                           (0 = no limit), so a new or repaired store does not starve the live traffic of its disk
 *                           and network.
 */
public record RaftConfig(Duration electionTimeout, boolean logSync, Duration snapshotInterval, long snapshotLogEntries,
                         int maxInflightAppends, io.rangekv.config.DataSize snapshotRate) {
    public static final RaftConfig DEFAULTS = new RaftConfig(Duration.ofMillis(2000), true, Duration.ofHours(1),
            100_000, 64, io.rangekv.config.DataSize.ofMegabytes(100));

    public RaftConfig {
        if (electionTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("raft.election-timeout must be at least 100ms: " + electionTimeout);
        }
        if (snapshotLogEntries < 1) {
            throw new IllegalArgumentException("raft.snapshot-log-entries must be positive: " + snapshotLogEntries);
        }
        if (maxInflightAppends < 1) {
            throw new IllegalArgumentException("raft.max-inflight-appends must be positive: " + maxInflightAppends);
        }
    }

    public static RaftConfig from(Settings s) {
        return new RaftConfig(
                s.getDuration("raft.election-timeout", DEFAULTS.electionTimeout),
                s.getBoolean("raft.log-sync", DEFAULTS.logSync),
                s.getDuration("raft.snapshot-interval", DEFAULTS.snapshotInterval),
                s.getLong("raft.snapshot-log-entries", DEFAULTS.snapshotLogEntries),
                s.getInt("raft.max-inflight-appends", DEFAULTS.maxInflightAppends),
                s.getDataSize("raft.snapshot-max-bytes-per-sec", DEFAULTS.snapshotRate));
    }

    public RaftConfig withElectionTimeout(Duration timeout) {
        return new RaftConfig(timeout, logSync, snapshotInterval, snapshotLogEntries, maxInflightAppends,
                snapshotRate);
    }
}
