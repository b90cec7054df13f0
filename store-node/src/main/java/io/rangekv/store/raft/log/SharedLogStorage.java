package io.rangekv.store.raft.log;

import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.conf.ConfigurationEntry;
import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.codec.LogEntryDecoder;
import com.alipay.sofa.jraft.entity.codec.LogEntryEncoder;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One group's Raft log inside the store's {@link RaftLogDb}.
 *
 * <p><b>Concurrency</b>: called by the group's log manager; index bounds are volatile so readers on other library
 * threads see them. <b>Ordering</b>: entries are appended contiguously after {@code lastIndex}; truncation and reset
 * are single atomic batches. <b>Failure</b>: a storage error is reported to the library as {@code false} / 0
 * appended, which stops the node; nothing is silently dropped. Unlike the library's default storage,
 * {@link #truncateSuffix} also removes the configuration entries it truncates, so a restart never resurrects a
 * configuration that was rolled back.
 */
final class SharedLogStorage implements LogStorage {
    private static final Logger LOG = LoggerFactory.getLogger(SharedLogStorage.class);

    private final RaftLogDb logDb;
    private String groupId;
    private byte[] entryPrefix;
    private byte[] confPrefix;
    private byte[] firstIndexKey;
    private LogEntryEncoder encoder;
    private LogEntryDecoder decoder;
    private volatile long firstIndex = 1;
    private volatile long lastIndex;

    SharedLogStorage(RaftLogDb logDb) {
        this.logDb = logDb;
    }

    @Override
    public boolean init(LogStorageOptions opts) {
        groupId = opts.getGroupId();
        entryPrefix = RaftLogDb.prefix(RaftLogDb.ENTRY, groupId);
        confPrefix = RaftLogDb.prefix(RaftLogDb.CONF, groupId);
        firstIndexKey = RaftLogDb.prefix(RaftLogDb.FIRST_INDEX, groupId);
        encoder = opts.getLogEntryCodecFactory().encoder();
        decoder = opts.getLogEntryCodecFactory().decoder();
        try {
            byte[] first = logDb.db().get(firstIndexKey);
            firstIndex = first == null ? 1 : ByteBuffer.wrap(first).getLong();
            lastIndex = findLastIndex();
            loadConfigurations(opts.getConfigurationManager());
            return true;
        } catch (RocksDBException e) {
            LOG.error("group {}: cannot load its Raft log", groupId, e);
            return false;
        }
    }

    private long findLastIndex() {
        try (Slice lower = new Slice(RaftLogDb.indexed(entryPrefix, 0));
             Slice upper = new Slice(RaftLogDb.indexed(entryPrefix, Long.MAX_VALUE));
             ReadOptions read = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
             RocksIterator it = logDb.db().newIterator(read)) {
            it.seekToLast();
            return it.isValid() ? indexOf(it.key()) : firstIndex - 1;
        }
    }

    private void loadConfigurations(ConfigurationManager manager) {
        try (Slice lower = new Slice(RaftLogDb.indexed(confPrefix, firstIndex));
             Slice upper = new Slice(RaftLogDb.indexed(confPrefix, Long.MAX_VALUE));
             ReadOptions read = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
             RocksIterator it = logDb.db().newIterator(read)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                LogEntry entry = decoder.decode(it.value());
                if (entry == null) {
                    continue;
                }
                ConfigurationEntry conf = new ConfigurationEntry();
                conf.setId(new LogId(entry.getId().getIndex(), entry.getId().getTerm()));
                conf.setConf(new Configuration(entry.getPeers(), entry.getLearners()));
                if (entry.getOldPeers() != null) {
                    conf.setOldConf(new Configuration(entry.getOldPeers(), entry.getOldLearners()));
                }
                manager.add(conf);
            }
        }
    }

    private static long indexOf(byte[] key) {
        return ByteBuffer.wrap(key, key.length - 8, 8).getLong();
    }

    @Override
    public void shutdown() {
        // The database is the store's; it closes when the store stops.
    }

    @Override
    public long getFirstLogIndex() {
        return firstIndex;
    }

    @Override
    public long getLastLogIndex() {
        return lastIndex;
    }

    @Override
    public LogEntry getEntry(long index) {
        if (index < firstIndex || index > lastIndex) {
            return null;
        }
        try {
            byte[] bytes = logDb.db().get(RaftLogDb.indexed(entryPrefix, index));
            return bytes == null ? null : decoder.decode(bytes);
        } catch (RocksDBException e) {
            LOG.error("group {}: cannot read log entry {}", groupId, index, e);
            return null;
        }
    }

    /** Deprecated in the library's interface but still called by its log manager, so it must answer. */
    @Override
    @SuppressWarnings("deprecation")
    public long getTerm(long index) {
        LogEntry entry = getEntry(index);
        return entry == null ? 0 : entry.getId().getTerm();
    }

    @Override
    public boolean appendEntry(LogEntry entry) {
        return appendEntries(List.of(entry)) == 1;
    }

    @Override
    public int appendEntries(List<LogEntry> entries) {
        if (entries == null || entries.isEmpty()) {
            return 0;
        }
        long expected = lastIndex + 1;
        if (entries.get(0).getId().getIndex() != expected) {
            // The library appends contiguously after truncating; anything else would leave a hole in the log.
            LOG.error("group {}: refusing to append at {} when the next index is {}", groupId,
                    entries.get(0).getId().getIndex(), expected);
            return 0;
        }
        try (WriteBatch batch = new WriteBatch()) {
            for (LogEntry entry : entries) {
                long index = entry.getId().getIndex();
                byte[] bytes = encoder.encode(entry);
                batch.put(RaftLogDb.indexed(entryPrefix, index), bytes);
                if (entry.getType() == EnumOutter.EntryType.ENTRY_TYPE_CONFIGURATION) {
                    batch.put(RaftLogDb.indexed(confPrefix, index), bytes);
                }
            }
            logDb.db().write(logDb.writeOptions(), batch);
            lastIndex = entries.get(entries.size() - 1).getId().getIndex();
            return entries.size();
        } catch (RocksDBException e) {
            LOG.error("group {}: cannot append {} log entries", groupId, entries.size(), e);
            return 0;
        }
    }

    @Override
    public boolean truncatePrefix(long firstIndexKept) {
        long first = firstIndex;
        if (firstIndexKept <= first) {
            return true;
        }
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(firstIndexKey, ByteBuffer.allocate(8).putLong(firstIndexKept).array());
            batch.deleteRange(RaftLogDb.indexed(entryPrefix, 0), RaftLogDb.indexed(entryPrefix, firstIndexKept));
            batch.deleteRange(RaftLogDb.indexed(confPrefix, 0), RaftLogDb.indexed(confPrefix, firstIndexKept));
            logDb.db().write(logDb.writeOptions(), batch);
            firstIndex = firstIndexKept;
            if (lastIndex < firstIndexKept - 1) {
                lastIndex = firstIndexKept - 1;
            }
            return true;
        } catch (RocksDBException e) {
            LOG.error("group {}: cannot truncate the log before {}", groupId, firstIndexKept, e);
            return false;
        }
    }

    @Override
    public boolean truncateSuffix(long lastIndexKept) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.deleteRange(RaftLogDb.indexed(entryPrefix, lastIndexKept + 1),
                    RaftLogDb.indexed(entryPrefix, Long.MAX_VALUE));
            batch.deleteRange(RaftLogDb.indexed(confPrefix, lastIndexKept + 1),
                    RaftLogDb.indexed(confPrefix, Long.MAX_VALUE));
            logDb.db().write(logDb.writeOptions(), batch);
            lastIndex = lastIndexKept;
            return true;
        } catch (RocksDBException e) {
            LOG.error("group {}: cannot truncate the log after {}", groupId, lastIndexKept, e);
            return false;
        }
    }

    /**
     * Drops the whole log and restarts it at {@code nextLogIndex} (after installing a RaftSnapshot that is ahead of
     * it). As the library expects, the log then holds one entry at {@code nextLogIndex}: the one that was there, or
     * a no-op of term 0.
     */
    @Override
    public boolean reset(long nextLogIndex) {
        if (nextLogIndex <= 0) {
            throw new IllegalArgumentException("invalid next log index " + nextLogIndex);
        }
        LogEntry keep = getEntry(nextLogIndex);
        if (keep == null) {
            keep = new LogEntry();
            keep.setType(EnumOutter.EntryType.ENTRY_TYPE_NO_OP);
            keep.setId(new LogId(nextLogIndex, 0));
        }
        try (WriteBatch batch = new WriteBatch()) {
            batch.deleteRange(RaftLogDb.indexed(entryPrefix, 0), RaftLogDb.indexed(entryPrefix, Long.MAX_VALUE));
            batch.deleteRange(RaftLogDb.indexed(confPrefix, 0), RaftLogDb.indexed(confPrefix, Long.MAX_VALUE));
            batch.put(firstIndexKey, ByteBuffer.allocate(8).putLong(nextLogIndex).array());
            byte[] bytes = encoder.encode(keep);
            batch.put(RaftLogDb.indexed(entryPrefix, nextLogIndex), bytes);
            if (keep.getType() == EnumOutter.EntryType.ENTRY_TYPE_CONFIGURATION) {
                batch.put(RaftLogDb.indexed(confPrefix, nextLogIndex), bytes);
            }
            logDb.db().write(logDb.writeOptions(), batch);
            firstIndex = nextLogIndex;
            lastIndex = nextLogIndex;
            return true;
        } catch (RocksDBException e) {
            LOG.error("group {}: cannot reset the log to {}", groupId, nextLogIndex, e);
            return false;
        }
    }
}
