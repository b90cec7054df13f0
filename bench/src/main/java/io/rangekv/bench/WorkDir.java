package io.rangekv.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bench's temporary directory once a target has stopped: its data goes (a compare run leaves up to 1.5 GB of
 * RocksDB and Raft-log files per target), its logs stay, so a surprising figure can still be explained afterwards
 * from the stores' and the PD's own lines. A target that failed keeps everything.
 */
final class WorkDir {
    private WorkDir() {
    }

    /** Deletes every file under {@code dir} except {@code *.log} files, and every directory left empty. */
    static void keepOnlyLogs(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList(); // children before their directory
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        for (Path p : paths) {
            try {
                if (Files.isDirectory(p)) {
                    if (!p.equals(dir)) {
                        deleteIfEmpty(p);
                    }
                } else if (!p.getFileName().toString().endsWith(".log")) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + p, e);
            }
        }
    }

    private static void deleteIfEmpty(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            if (entries.findAny().isEmpty()) {
                Files.delete(directory);
            }
        }
    }
}
