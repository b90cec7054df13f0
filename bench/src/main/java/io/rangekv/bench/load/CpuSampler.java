package io.rangekv.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time of processes, from {@code /proc/<pid>/stat} (user + system clock ticks, 100 per second on Linux), and of
 * this JVM (its OperatingSystemMXBean). The runner samples at the start and end of the measured phase and reports
 * cores used = CPU seconds / wall seconds. A process that is gone counts as zero.
 */
final class CpuSampler {
    private static final double TICKS_PER_SECOND = 100.0;

    private CpuSampler() {
    }

    /** Summed CPU seconds of the given processes so far. */
    static double processSeconds(List<Long> pids) {
        double total = 0;
        for (long pid : pids) {
            total += processSeconds(pid);
        }
        return total;
    }

    static double processSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name, which is in parentheses and may hold spaces.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU seconds this JVM used so far (the client, and any target embedded in it). */
    static double selfSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return 0;
    }
}
