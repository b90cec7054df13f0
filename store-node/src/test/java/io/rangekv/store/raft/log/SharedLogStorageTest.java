package io.rangekv.store.raft.log;

import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.codec.v2.LogEntryV2CodecFactory;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The LogStorage contract for one group inside the shared per-store database. */
class SharedLogStorageTest {
    @TempDir
    Path dir;
    private RaftLogDb db;

    @AfterEach
    void close() {
        if (db != null) {
            db.close();
        }
    }

    private SharedLogStorage open(String groupId, ConfigurationManager confs) {
        if (db == null) {
            db = RaftLogDb.open(dir, true);
        }
        SharedLogStorage storage = new SharedLogStorage(db);
        LogStorageOptions opts = new LogStorageOptions();
        opts.setGroupId(groupId);
        opts.setConfigurationManager(confs);
        opts.setLogEntryCodecFactory(LogEntryV2CodecFactory.getInstance());
        assertTrue(storage.init(opts));
        return storage;
    }

    private void reopenDb() {
        db.close();
        db = RaftLogDb.open(dir, true);
    }

    private static LogEntry data(long index, long term, String payload) {
        LogEntry e = new LogEntry(EnumOutter.EntryType.ENTRY_TYPE_DATA);
        e.setId(new LogId(index, term));
        e.setData(ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8)));
        return e;
    }

    private static LogEntry conf(long index, long term, String... peers) {
        LogEntry e = new LogEntry(EnumOutter.EntryType.ENTRY_TYPE_CONFIGURATION);
        e.setId(new LogId(index, term));
        List<PeerId> ids = new ArrayList<>();
        for (String p : peers) {
            ids.add(PeerId.parsePeer(p));
        }
        e.setPeers(ids);
        return e;
    }

    private static String payload(LogEntry e) {
        ByteBuffer data = e.getData().duplicate();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void startsEmptyThenAppendsAndReads() {
        SharedLogStorage log = open("r1", new ConfigurationManager());
        assertEquals(1, log.getFirstLogIndex());
        assertEquals(0, log.getLastLogIndex());
        assertTrue(log.appendEntry(conf(1, 1, "127.0.0.1:1", "127.0.0.1:2")));
        assertEquals(3, log.appendEntries(List.of(data(2, 1, "a"), data(3, 1, "b"), data(4, 2, "c"))));
        assertEquals(4, log.getLastLogIndex());
        assertEquals("b", payload(log.getEntry(3)));
        assertEquals(2, log.getTerm(4));
        assertNull(log.getEntry(5));
        assertEquals(EnumOutter.EntryType.ENTRY_TYPE_CONFIGURATION, log.getEntry(1).getType());
    }

    @Test
    void anAppendThatWouldLeaveAHoleIsRefused() {
        SharedLogStorage log = open("r1", new ConfigurationManager());
        log.appendEntries(List.of(data(1, 1, "a"), data(2, 1, "b")));
        assertEquals(0, log.appendEntries(List.of(data(4, 1, "d"))));
        assertEquals(2, log.getLastLogIndex());
        assertNull(log.getEntry(4));
    }

    @Test
    void twoGroupsNeverSeeEachOther() {
        SharedLogStorage one = open("r1", new ConfigurationManager());
        SharedLogStorage two = open("r10", new ConfigurationManager());
        one.appendEntries(List.of(data(1, 1, "one-1"), data(2, 1, "one-2")));
        two.appendEntries(List.of(data(1, 1, "two-1")));
        assertEquals(2, one.getLastLogIndex());
        assertEquals(1, two.getLastLogIndex());
        assertEquals("two-1", payload(two.getEntry(1)));
        one.truncateSuffix(0);
        assertEquals("two-1", payload(two.getEntry(1)));
    }

    @Test
    void prefixTruncationSurvivesARestart() {
        SharedLogStorage log = open("r1", new ConfigurationManager());
        for (long i = 1; i <= 10; i++) {
            log.appendEntry(data(i, 1, "e" + i));
        }
        assertTrue(log.truncatePrefix(6));
        assertNull(log.getEntry(5));
        assertEquals("e6", payload(log.getEntry(6)));
        reopenDb();
        SharedLogStorage again = open("r1", new ConfigurationManager());
        assertEquals(6, again.getFirstLogIndex());
        assertEquals(10, again.getLastLogIndex());
        assertEquals("e10", payload(again.getEntry(10)));
    }

    /** The library's default storage leaves truncated configuration entries behind; this one must not. */
    @Test
    void suffixTruncationRemovesConfigurationEntriesToo() {
        SharedLogStorage log = open("r1", new ConfigurationManager());
        log.appendEntries(List.of(conf(1, 1, "127.0.0.1:1"), data(2, 1, "a"),
                conf(3, 1, "127.0.0.1:1", "127.0.0.1:2"), data(4, 1, "b")));
        assertTrue(log.truncateSuffix(2));
        assertEquals(2, log.getLastLogIndex());
        assertNull(log.getEntry(3));
        reopenDb();
        ConfigurationManager loaded = new ConfigurationManager();
        SharedLogStorage again = open("r1", loaded);
        assertEquals(2, again.getLastLogIndex());
        assertEquals(1, loaded.getLastConfiguration().getId().getIndex(), "only the surviving configuration");
        assertEquals(1, loaded.getLastConfiguration().getConf().getPeers().size());
    }

    @Test
    void resetKeepsOnlyTheEntryAtTheNextIndex() {
        SharedLogStorage log = open("r1", new ConfigurationManager());
        for (long i = 1; i <= 5; i++) {
            log.appendEntry(data(i, 1, "e" + i));
        }
        assertTrue(log.reset(20));
        assertEquals(20, log.getFirstLogIndex());
        assertEquals(20, log.getLastLogIndex());
        assertEquals(0, log.getTerm(20));
        assertNull(log.getEntry(5));
        assertTrue(log.appendEntry(data(21, 3, "after")));
        reopenDb();
        SharedLogStorage again = open("r1", new ConfigurationManager());
        assertEquals(20, again.getFirstLogIndex());
        assertEquals(21, again.getLastLogIndex());
    }

    @Test
    void destroyingAGroupRemovesEverythingOfIt() {
        SharedLogStorage log = open("r1", new ConfigurationManager());
        log.appendEntries(List.of(conf(1, 1, "127.0.0.1:1"), data(2, 1, "a")));
        log.truncatePrefix(2);
        db.destroyGroup("r1");
        SharedLogStorage again = open("r1", new ConfigurationManager());
        assertEquals(1, again.getFirstLogIndex());
        assertEquals(0, again.getLastLogIndex());
    }
}
