package io.rangekv.store.raft.log;

import com.alipay.sofa.jraft.core.DefaultJRaftServiceFactory;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;

/**
 * Gives every group on a store a {@link SharedLogStorage} in the store's one {@link RaftLogDb}. Term and vote stay
 * in the library's small per-group meta file (synced, see {@code syncMeta}); RaftSnapshots stay in per-group
 * directories.
 */
public final class SharedLogServiceFactory extends DefaultJRaftServiceFactory {
    private final RaftLogDb logDb;

    public SharedLogServiceFactory(RaftLogDb logDb) {
        this.logDb = logDb;
    }

    @Override
    public LogStorage createLogStorage(String uri, RaftOptions raftOptions) {
        return new SharedLogStorage(logDb);
    }
}
