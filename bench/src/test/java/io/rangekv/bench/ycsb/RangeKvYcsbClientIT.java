package io.rangekv.bench.ycsb;

import io.rangekv.client.KvClient;
import io.rangekv.client.KvClientConfig;
import io.rangekv.meta.Key;
import io.rangekv.store.process.ProcessCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DBException;
import site.ycsb.Status;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The binding against a real cluster (1 PD, 3 memory-engine stores as processes): two client threads' instances
 * share one KvClient; every operation maps to the SDK, missing records are NOT_FOUND, a value that is not a record
 * is ERROR, and scans stay inside their table.
 */
class RangeKvYcsbClientIT {
    @TempDir
    static Path dir;
    private static ProcessCluster cluster;
    private static KvClient raw;

    @BeforeAll
    static void startCluster() {
        cluster = new ProcessCluster(dir).startPd(1, Map.of()).startStores(3, "memory", Map.of());
        raw = KvClient.connect(KvClientConfig.DEFAULTS, cluster.pdRpcEndpoints());
        // The first write waits for the first region and its leader.
        raw.put(Key.of("ready"), new byte[] {1});
    }

    @AfterAll
    static void stopCluster() {
        if (raw != null) {
            raw.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static RangeKvYcsbClient client() throws DBException {
        RangeKvYcsbClient db = new RangeKvYcsbClient();
        Properties p = new Properties();
        p.setProperty("rangekv.pd", String.join(",", cluster.pdRpcEndpoints()));
        db.setProperties(p);
        db.init();
        return db;
    }

    private static Map<String, ByteIterator> fields(String... pairs) {
        Map<String, ByteIterator> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], new ByteArrayByteIterator(pairs[i + 1].getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static Map<String, String> strings(Map<String, ByteIterator> fields) {
        Map<String, String> out = new HashMap<>();
        fields.forEach((f, v) -> out.put(f, v.toString()));
        return out;
    }

    @Test
    void everyOperationMapsToTheSdk() throws DBException {
        RangeKvYcsbClient one = client();
        RangeKvYcsbClient two = client();
        try {
            assertEquals(Status.OK, one.insert("usertable", "user1", fields("field0", "a", "field1", "b")));
            Map<String, ByteIterator> read = new HashMap<>();
            assertEquals(Status.OK, two.read("usertable", "user1", null, read), "the other thread's instance");
            assertEquals(Map.of("field0", "a", "field1", "b"), strings(read));

            assertEquals(Status.OK, one.update("usertable", "user1", fields("field1", "B", "field2", "c")));
            read.clear();
            assertEquals(Status.OK, one.read("usertable", "user1", Set.of("field1", "field2"), read));
            assertEquals(Map.of("field1", "B", "field2", "c"), strings(read));

            assertEquals(Status.NOT_FOUND, one.read("usertable", "nobody", null, new HashMap<>()));
            assertEquals(Status.NOT_FOUND, one.update("usertable", "nobody", fields("field0", "x")));

            assertEquals(Status.OK, one.delete("usertable", "user1"));
            assertEquals(Status.NOT_FOUND, one.read("usertable", "user1", null, new HashMap<>()));
        } finally {
            one.cleanup();
            two.cleanup();
        }
    }

    @Test
    void scansReadInKeyOrderUpToTheCountAndStayInTheirTable() throws DBException {
        RangeKvYcsbClient db = client();
        try {
            for (int i = 0; i < 5; i++) {
                assertEquals(Status.OK, db.insert("scantable", "user" + i, fields("field0", "v" + i)));
            }
            assertEquals(Status.OK, db.insert("scantablf", "user0", fields("field0", "other table")));
            Vector<HashMap<String, ByteIterator>> rows = new Vector<>();
            assertEquals(Status.OK, db.scan("scantable", "user1", 3, null, rows));
            assertEquals(List.of("v1", "v2", "v3"), rows.stream().map(r -> r.get("field0").toString()).toList());
            rows.clear();
            assertEquals(Status.OK, db.scan("scantable", "user3", 100, Set.of("field0"), rows));
            assertEquals(List.of("v3", "v4"), rows.stream().map(r -> r.get("field0").toString()).toList());
        } finally {
            db.cleanup();
        }
    }

    @Test
    void aValueThatIsNotARecordIsAnError() throws DBException {
        raw.put(RangeKvYcsbClient.key("usertable", "garbage"), "plain bytes".getBytes(StandardCharsets.UTF_8));
        RangeKvYcsbClient db = client();
        try {
            assertEquals(Status.ERROR, db.read("usertable", "garbage", null, new HashMap<>()));
            assertEquals(Status.ERROR, db.update("usertable", "garbage", fields("field0", "x")));
        } finally {
            db.cleanup();
        }
    }
}
