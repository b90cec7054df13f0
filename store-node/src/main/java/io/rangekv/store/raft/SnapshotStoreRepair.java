package io.rangekv.store.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.error.RaftError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Puts a follower's RaftSnapshot store back in step with the library when it holds a RaftSnapshot the library never
 * loaded. The library (1.3.15) files a downloaded RaftSnapshot into the store before it loads it; if the install is
 * then cancelled (a newer one arrives in between) or the load is turned down, the store's latest index is past the
 * one the library knows. Every later offer of that same index then fails when the download is filed ("Close
 * snapshot writer ... exit code 1013", EEXISTS), and the leader offers it again and again until it happens to take a
 * newer RaftSnapshot: a follower that never catches up (chaos seed 511: region 335 on store 5 for three minutes, the
 * run's consistency check without its answer; SchedulingIT saw it once as a replica that was never removed).
 *
 * <p>The repair: the follower takes a RaftSnapshot of its own. The library files it under its applied index, which
 * moves the store's latest index off the stuck one and drops the never-loaded RaftSnapshot, so the leader's next
 * offer goes through. It cannot help a follower that applied nothing since its last RaftSnapshot; that is logged.
 */
final class SnapshotStoreRepair {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStoreRepair.class);
    private static final String PREFIX = "snapshot_";
    /** The index each replica was last repaired for, so that the offers repeated meanwhile log once. */
    private final Map<String, Long> repairing = new ConcurrentHashMap<>();


    /**
     * Checks the group that an offer of RaftSnapshot {@code index} is for, and repairs its store when the offer
     * could only fail; true when it started a repair (the offer is then turned away, and made again shortly).
     */
    boolean repairIfStuck(String groupId, String peerId, long index) {
        PeerId peer = PeerId.parsePeer(peerId);
        Node node = peer == null ? null : NodeManager.getInstance().get(groupId, peer);
        if (node == null) {
            return false;
        }
        OptionalLong filed = latestFiled(Path.of(node.getOptions().getSnapshotUri()));
        if (filed.isEmpty() || filed.getAsLong() != index) {
            return false;
        }
        long loaded;
        try {
            loaded = JraftRaftGroup.lastSnapshotIndex(node);
        } catch (RuntimeException e) {
            LOG.warn("group {}: cannot read the library's last RaftSnapshot index; no repair", groupId, e);
            return false;
        }
        if (loaded >= index) {
            return false;
        }
        if (!Long.valueOf(index).equals(repairing.put(groupId + "/" + peerId, index))) {
            LOG.warn("group {}: RaftSnapshot {} is filed but was never loaded (the library's last is {}); every offer "
                    + "of it would fail, so this replica takes a RaftSnapshot of its own to move past it", groupId,
                    index, loaded);
        }
        node.snapshot(status -> {
            if (!status.isOk() && status.getRaftError() != RaftError.EBUSY) {
                LOG.warn("group {}: the repairing RaftSnapshot failed ({}); the replica waits for the leader's next "
                        + "RaftSnapshot", groupId, status);
            }
        });
        return true;
    }

    /** The highest index among the RaftSnapshots filed in {@code dir}; empty when there is none. */
    static OptionalLong latestFiled(Path dir) {
        if (!Files.isDirectory(dir)) {
            return OptionalLong.empty();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith(PREFIX))
                    .mapToLong(name -> parseIndex(name.substring(PREFIX.length())))
                    .filter(i -> i > 0)
                    .max();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    private static long parseIndex(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
