package io.rangekv.systest.cluster;

import io.rangekv.ctl.CtlMain;
import io.rangekv.store.cluster.Await;
import io.rangekv.store.cluster.TestCluster;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.heartbeat.PdLink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rangekv ctl} against a PD and three stores: the admin commands show and change what the API does. */
class CtlIT {
    @TempDir
    Path dir;
    private PdCluster pd;
    private TestCluster cluster;

    @BeforeEach
    void start() {
        pd = new PdCluster(dir.resolve("pd"), 1, PdCluster.noAutoSplit());
        cluster = TestCluster.builder().dataDir(dir.resolve("stores")).engine(EngineKind.MEMORY).stores(4).running(4)
                .pd(new PdLink(pd.rpcEndpoints(), Duration.ofMillis(200), Duration.ofMillis(500))).start();
    }

    @AfterEach
    void stop() {
        cluster.close();
        pd.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private Run ctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--pd-http", pd.httpEndpoints().get(0),
                "--pd", pd.rpcEndpoints().get(0)));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = CtlMain.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void adminAndDataCommands() {
        Run put = ctl("put", "user/1", "ada");
        assertEquals(0, put.exit(), put.err());
        assertEquals("ada", ctl("get", "user/1").out().trim());
        assertEquals(1, ctl("get", "nobody").exit());

        Run stores = ctl("stores");
        assertEquals(0, stores.exit(), stores.err());
        assertTrue(stores.out().startsWith("ID"), stores.out());
        assertEquals(5, stores.out().lines().count(), stores.out());
        assertTrue(stores.out().contains("engine=memory") || stores.out().contains("\"engine\":\"memory\""),
                stores.out());

        Await.until("the region's leader reported", Duration.ofSeconds(30), () -> ctl("regions").out().contains("*"));
        Run split = ctl("split", "1", "--key", "user/5");
        assertTrue(split.out().startsWith("done"), split.out() + split.err());
        Run regions = ctl("regions");
        assertEquals(3, regions.out().lines().count(), regions.out());
        assertTrue(regions.out().contains("[user/5, +inf)"), regions.out());
        assertTrue(ctl("--json", "regions").out().contains("\"start_key_base64\""));

        java.util.Set<Long> holders = new java.util.TreeSet<>();
        pdLeaderRegion1().peers().forEach(p -> holders.add(p.storeId()));
        long to = java.util.stream.LongStream.rangeClosed(1, 4).filter(id -> !holders.contains(id)).findFirst()
                .orElseThrow();
        Run move = ctl("move", "1", "--from", String.valueOf(holders.iterator().next()), "--to", String.valueOf(to));
        assertTrue(move.out().startsWith("done"), move.out() + move.err());
        assertTrue(ctl("operators").out().contains("admin-move"));
        assertEquals("ada", ctl("get", "user/1").out().trim());

        Run bad = ctl("transfer-leader", "1", "99");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("no voter on store 99"), bad.err());
        Run scan = ctl("scan", "--prefix", "user/");
        assertEquals("user/1\tada", scan.out().trim());
    
        Run check = ctl("check");
        assertEquals(0, check.exit(), check.out() + check.err());
        assertEquals(2, check.out().lines().filter(l -> l.contains(" consistent ")).count(), check.out());
        Run one = ctl("check", "1");
        assertEquals(0, one.exit(), one.out() + one.err());
        assertTrue(one.out().lines().anyMatch(l -> l.startsWith("1 ") && l.contains("consistent")), one.out());
    }

    private io.rangekv.meta.Region pdLeaderRegion1() {
        return pd.awaitLeader().metadata().regionById(1).orElseThrow();
    }
}
