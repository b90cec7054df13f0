package io.rangekv.store.cluster;

import io.rangekv.meta.Key;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.raft.RaftConfig;
import io.rangekv.store.region.RegionPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three stores, one region, a long (5 s) election timeout. The region splits; the child's replica on the store
 * that led the parent campaigns at once, so the child has a leader, on that store, and takes a write well within
 * half the election timeout of the split's completion. Without the campaign, the child waits out a full election
 * timeout (5 s plus up to 1 s of the library's jitter) with nobody able to write its keys.
 */
class SplitChildLeaderIT {
    private static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration WITHIN = ELECTION_TIMEOUT.dividedBy(2);
    private static final Pattern ELECTION_TIMER = Pattern.compile("timeoutMs=(\\d+), name='JRaft-ElectionTimer");

    @TempDir
    Path dir;

    @Test
    void theParentLeadersChildReplicaLeadsTheChildWithoutWaitingAnElectionTimeout() throws Exception {
        try (TestCluster cluster = TestCluster.builder().dataDir(dir).engine(EngineKind.MEMORY).stores(3)
                .raft(RaftConfig.DEFAULTS.withElectionTimeout(ELECTION_TIMEOUT)).start()) {
            TestKvClient client = cluster.newClient();
            client.put(Key.of("a"), bytes("before"));
            long parentLeader = cluster.leaderOf(1);

            Region child = cluster.split(1, Key.of("m"));
            long splitDone = System.nanoTime();
            AtomicLong leader = new AtomicLong();
            // Wait as long as it takes, then judge the time: a failure then says how slow it was.
            Await.until("a leader for the split child " + child.regionId(), TestCluster.WAIT, () -> {
                cluster.liveStores().keySet().stream().filter(storeId -> cluster.replica(storeId, child.regionId())
                        .map(RegionPeer::isLeader).orElse(false)).findFirst().ifPresent(leader::set);
                return leader.get() != 0;
            }, () -> cluster.dump(true));
            Duration toLeader = Duration.ofNanos(System.nanoTime() - splitDone);
            client.put(Key.of("x"), bytes("after"));
            Duration toWrite = Duration.ofNanos(System.nanoTime() - splitDone);
            System.out.printf("split child %d: leader on store %d after %d ms, first write done after %d ms "
                    + "(election timeout %d ms)%n", child.regionId(), leader.get(), toLeader.toMillis(),
                    toWrite.toMillis(), ELECTION_TIMEOUT.toMillis());

            assertTrue(toWrite.compareTo(WITHIN) < 0, "the child took a write only after " + toWrite.toMillis()
                    + " ms; expected under " + WITHIN.toMillis() + " ms");
            assertEquals(parentLeader, leader.get(), "the parent's leader store should lead the child");
            assertArrayEquals(bytes("after"), client.get(Key.of("x"), ReadConsistency.LINEARIZABLE));
            // The campaign is over once the child has a leader: every replica's election timer is the configured one.
            for (long storeId : cluster.liveStores().keySet()) {
                RegionPeer replica = cluster.replica(storeId, child.regionId()).orElseThrow();
                Await.until("store " + storeId + "'s child replica back on the configured election timeout",
                        Duration.ofSeconds(5), () -> electionTimeoutMs(replica) == ELECTION_TIMEOUT.toMillis(),
                        () -> replica.raftGroup().describe());
            }
            cluster.assertReplicasConverged();
        }
    }

    /** The election timer's current timeout, as the library describes it ({@code RepeatedTimer#toString}). */
    private static long electionTimeoutMs(RegionPeer replica) {
        Matcher m = ELECTION_TIMER.matcher(replica.raftGroup().describe());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
