package io.rangekv.bench.ycsb;

import io.rangekv.meta.Key;
import io.rangekv.meta.ReadConsistency;
import org.junit.jupiter.api.Test;
import site.ycsb.DBException;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RangeKvYcsbClient's properties and key layout, without a cluster (RangeKvYcsbClientIT runs it against one). */
class YcsbClientSettingsTest {
    private static Properties properties(String... pairs) {
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        return p;
    }

    @Test
    void defaultsPointAtThePlaygroundWithLinearizableReads() throws DBException {
        var settings = RangeKvYcsbClient.settings(properties());
        assertEquals(List.of(RangeKvYcsbClient.DEFAULT_PD), settings.pd());
        assertEquals(ReadConsistency.LINEARIZABLE, settings.consistency());
        assertEquals(Duration.ofSeconds(10), settings.requestTimeout());
    }

    @Test
    void readsEveryProperty() throws DBException {
        var settings = RangeKvYcsbClient.settings(properties("rangekv.pd", " 10.0.0.1:2379, 10.0.0.2:2379 ,",
                "rangekv.read-consistency", "Follower", "rangekv.request-timeout", "1500ms"));
        assertEquals(List.of("10.0.0.1:2379", "10.0.0.2:2379"), settings.pd());
        assertEquals(ReadConsistency.FOLLOWER, settings.consistency());
        assertEquals(Duration.ofMillis(1500), settings.requestTimeout());
    }

    @Test
    void badValuesNameTheirProperty() {
        DBException consistency = assertThrows(DBException.class,
                () -> RangeKvYcsbClient.settings(properties("rangekv.read-consistency", "eventual")));
        assertTrue(consistency.getMessage().contains("rangekv.read-consistency"), consistency.getMessage());
        DBException timeout = assertThrows(DBException.class,
                () -> RangeKvYcsbClient.settings(properties("rangekv.request-timeout", "10")));
        assertTrue(timeout.getMessage().contains("rangekv.request-timeout"), timeout.getMessage());
        DBException pd = assertThrows(DBException.class,
                () -> RangeKvYcsbClient.settings(properties("rangekv.pd", " , ")));
        assertTrue(pd.getMessage().contains("rangekv.pd"), pd.getMessage());
    }

    @Test
    void aRecordKeyIsTheTableThenASlashThenTheYcsbKey() {
        assertEquals(Key.of("usertable/user123"), RangeKvYcsbClient.key("usertable", "user123"));
    }
}
