package io.rangekv.store.process;

import io.rangekv.client.rpc.Responses;
import io.rangekv.client.rpc.StoreClientPool;
import io.rangekv.meta.Key;
import io.rangekv.proto.gen.KvProto;
import io.rangekv.proto.gen.MetaProto;
import io.rangekv.store.cluster.Await;
import io.rangekv.store.cluster.FreePorts;
import io.rangekv.store.cluster.TestKvClient;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.time.Deadline;
import io.rangekv.wire.MetaCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three store JVMs on loopback. Four writers put distinct keys; the leader's process is killed with SIGKILL in the
 * middle; writing goes on with the two survivors; the killed store restarts from its directory. Afterwards every
 * acknowledged write is on every replica, and the restarted store applied no entry it had applied before the kill.
 * "Afterwards" is a condition, not a time: every replica holds a write made after the writers stopped.
 */
class StoreProcessKillIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private final Map<Long, JvmProcess> stores = new TreeMap<>();
    private final Map<Long, String> kvAddresses = new TreeMap<>();
    private final Set<Long> running = ConcurrentHashMap.newKeySet();

    @AfterEach
    void stopAll() {
        for (JvmProcess p : stores.values()) {
            p.close();
        }
    }

    private Map<Long, String> live() {
        Map<Long, String> out = new TreeMap<>();
        running.forEach(id -> out.put(id, kvAddresses.get(id)));
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = EngineKind.class, names = {"ROCKSDB", "LMDB"})
    void killedStoreLosesNoAcknowledgedWriteAndReappliesNothing(EngineKind engine) throws Exception {
        startCluster(engine);
        try (TestKvClient client = new TestKvClient(this::live, WAIT);
             StoreClientPool admin = new StoreClientPool()) {
            Await.until("a leader for region 1", WAIT, () -> leaderStore(admin) > 0, this::logs);
            Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger next = new AtomicInteger();
            ExecutorService writers = Executors.newFixedThreadPool(4);
            List<Future<?>> tasks = new ArrayList<>();
            long loadDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            for (int w = 0; w < 4; w++) {
                tasks.add(writers.submit(() -> {
                    while (!stop.get() && System.nanoTime() - loadDeadline < 0) {
                        int i = next.getAndIncrement();
                        client.put(key(i), value(i));
                        acknowledged.add(i);
                    }
                }));
            }
            Await.until("writes before the kill", WAIT, () -> acknowledged.size() >= 300);
            long victim = leaderStore(admin);
            stores.get(victim).kill();
            running.remove(victim);
            int atKill = acknowledged.size();
            Await.until("writes after the kill", WAIT, () -> acknowledged.size() >= atKill + 300, this::logs);
            stores.get(victim).start();
            running.add(victim);
            Await.until("writes after the restart", WAIT, () -> acknowledged.size() >= atKill + 600, this::logs);
            stop.set(true);
            for (Future<?> t : tasks) {
                t.get(60, TimeUnit.SECONDS);
            }
            writers.shutdown();

            // Convergence gate. The writers have stopped, so a barrier write acknowledged now is committed after
            // every acknowledged write (each of those is committed, and a leader holds every committed entry before
            // it appends a new one). Replicas apply in log order, so a replica whose engine holds the barrier has
            // applied every acknowledged write, and holding it never stops being true: the gate is one condition
            // per replica, with no sample that could mix moments or leave a store out. After it, a missing key is
            // a lost write, not a replica still catching up.
            // The gate this replaces ("all applied indexes equal") evaluated two samples: the first could leave
            // out the restarted store (its KV port not open yet, so only the two survivors were compared) while the
            // second counted three. Seen in 6 of 26 runs, e.g. A={1=927, 2=927} B={1=927, 2=927, 3=308}: keys were
            // then read from a store 619 entries behind, still replaying; when it was read before it caught up,
            // the test reported "lacks acknowledged keys [512, ...]".
            client.put(BARRIER, value(-1));
            Await.until("every replica to apply the barrier write", WAIT,
                    () -> stores.keySet().stream().allMatch(storeId -> staleGet(admin, storeId, BARRIER) != null),
                    () -> appliedIndexes(admin) + "\n" + logs());
            Map<Long, Long> converged = appliedIndexes(admin);
            for (long storeId : stores.keySet()) {
                // No split or membership change happens here, so the epoch read once holds for every key.
                MetaProto.RegionEpoch epoch = answered("the status of store " + storeId,
                        () -> status(admin, storeId)).getRegion().getEpoch();
                Set<Integer> missing = new java.util.TreeSet<>();
                for (int i : acknowledged) {
                    Key k = key(i);
                    if (answered("store " + storeId + " to read " + k,
                            () -> Optional.ofNullable(staleGet(admin, storeId, epoch, k))).isEmpty()) {
                        missing.add(i);
                    }
                }
                assertTrue(missing.isEmpty(), () -> "store " + storeId + " lacks acknowledged keys " + missing
                        + " although every replica holds the barrier write (applied indexes then " + converged
                        + ", now " + appliedIndexes(admin) + "; killed store " + victim + ")\n" + logs());
            }
            KvProto.RegionStatusResponse restarted = answered("the status of store " + victim,
                    () -> status(admin, victim));
            if (engine != EngineKind.MEMORY) {
                assertTrue(restarted.getAppliedIndexAtStart() > 0, "engine kept its applied index");
            }
            assertTrue(restarted.getFirstIndexAppliedSinceStart() == 0
                            || restarted.getFirstIndexAppliedSinceStart() > restarted.getAppliedIndexAtStart(),
                    "restart re-applied entry " + restarted.getFirstIndexAppliedSinceStart()
                            + " at or below its recorded applied index " + restarted.getAppliedIndexAtStart());
            System.out.printf("kill -9 (%s): %d writes acknowledged (%d before the kill); restarted store skipped "
                            + "%d replayed entries and applied %d new ones from index %d%n", engine,
                    acknowledged.size(), atKill, restarted.getReplayedEntriesSkipped(),
                    restarted.getEntriesAppliedSinceStart(), restarted.getFirstIndexAppliedSinceStart());
            Await.until("every store to answer its status", WAIT, () -> appliedIndexes(admin).size() == 3,
                    () -> appliedIndexes(admin) + "\n" + logs());
        }
    }

    /**
     * The answer of {@code call}, asked again while it gets none. On 2 loaded cores a store can miss the 3 s
     * deadline on one of the thousands of calls of the check (seen once in 26 runs: UnknownResultException, "no
     * answer before the deadline"); no answer says nothing about the key, so it must not end the test. Bounded by
     * {@link #WAIT}; an error answer is retried too and fails the test when the wait runs out.
     */
    private static <T> T answered(String what, Supplier<T> call) {
        AtomicReference<T> answer = new AtomicReference<>();
        Await.until(what, WAIT, () -> {
            answer.set(call.get());
            return true;
        });
        return answer.get();
    }

    private void startCluster(EngineKind engine) throws Exception {
        StringBuilder cluster = new StringBuilder();
        Map<Long, int[]> ports = new TreeMap<>();
        for (long id = 1; id <= 3; id++) {
            int kv = FreePorts.pick();
            int raft = FreePorts.pick();
            ports.put(id, new int[] {kv, raft});
            kvAddresses.put(id, "127.0.0.1:" + kv);
            cluster.append(cluster.length() == 0 ? "" : ",").append(id).append("@127.0.0.1:").append(kv)
                    .append('/').append(raft);
        }
        for (long id = 1; id <= 3; id++) {
            Path config = dir.resolve("store-" + id + ".conf");
            Files.writeString(config, String.join("\n",
                    "store.id = " + id,
                    "store.data-dir = " + dir.resolve("store-" + id),
                    "store.host = 127.0.0.1",
                    "store.kv-port = " + ports.get(id)[0],
                    "store.raft-port = " + ports.get(id)[1],
                    "cluster.stores = " + cluster,
                    "cluster.bootstrap-voters = 1,2,3",
                    "engine.kind = " + engine.label(),
                    "raft.election-timeout = 1000ms",
                    "threads.kv = 2",
                    ""));
            JvmProcess process = new JvmProcess("store " + id, io.rangekv.store.StoreMain.class.getName(), config,
                    dir.resolve("store-" + id + ".log"));
            stores.put(id, process);
            process.start();
            running.add(id);
        }
    }

    private long leaderStore(StoreClientPool admin) {
        for (long storeId : live().keySet()) {
            try {
                if (status(admin, storeId).getLeader()) {
                    return storeId;
                }
            } catch (RuntimeException e) {
                // not up yet
            }
        }
        return -1;
    }

    private Map<Long, Long> appliedIndexes(StoreClientPool admin) {
        Map<Long, Long> out = new TreeMap<>();
        for (long storeId : live().keySet()) {
            try {
                out.put(storeId, status(admin, storeId).getAppliedIndex());
            } catch (RuntimeException e) {
                // not reachable this round
            }
        }
        return out;
    }

    private KvProto.RegionStatusResponse status(StoreClientPool admin, long storeId) {
        KvProto.Response r = send(admin, storeId, KvProto.Request.newBuilder()
                .setHeader(KvProto.RequestHeader.newBuilder().setRegionId(1))
                .setRegionStatus(KvProto.RegionStatusRequest.getDefaultInstance()));
        return r.getRegionStatus();
    }

    private byte[] staleGet(StoreClientPool admin, long storeId, Key key) {
        return staleGet(admin, storeId, status(admin, storeId).getRegion().getEpoch(), key);
    }

    private byte[] staleGet(StoreClientPool admin, long storeId, MetaProto.RegionEpoch epoch, Key key) {
        KvProto.Response r = send(admin, storeId, KvProto.Request.newBuilder()
                .setHeader(KvProto.RequestHeader.newBuilder().setRegionId(1)
                        .setEpoch(epoch).setConsistency(KvProto.ReadConsistency.STALE))
                .setGet(KvProto.GetRequest.newBuilder().setKey(MetaCodec.toProto(key))));
        return r.getGet().getFound() ? r.getGet().getValue().toByteArray() : null;
    }

    private KvProto.Response send(StoreClientPool admin, long storeId, KvProto.Request.Builder request) {
        try {
            KvProto.Response r = admin.call(kvAddresses.get(storeId), request,
                    Deadline.after(Duration.ofSeconds(3))).get(5, TimeUnit.SECONDS);
            Responses.throwIfError(r);
            return r;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String logs() {
        StringBuilder sb = new StringBuilder();
        stores.values().forEach(p -> sb.append("--- ").append(p.name()).append(" log tail ---\n")
                .append(p.logTail()).append('\n'));
        return sb.toString();
    }

    /** Written once the writers stop; sorts apart from every {@link #key} ("b…" &lt; "k…"). */
    private static final Key BARRIER = Key.of("barrier");

    private static Key key(int i) {
        return Key.of(String.format("k%07d", i));
    }

    private static byte[] value(int i) {
        return ("v" + i).getBytes(StandardCharsets.UTF_8);
    }
}
