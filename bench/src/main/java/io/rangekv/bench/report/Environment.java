package io.rangekv.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;

/** Where a run happened: hardware, JVM, commit, command line, date; read once at the start of an invocation. */
public record Environment(String date, String commit, int cores, long memoryMb, String cpu, String jvm,
                          String command) {
    public static Environment detect(String command) {
        return new Environment(LocalDate.now().toString(), readCommit(), Runtime.getRuntime().availableProcessors(),
                readMemoryMb(), readCpu(), System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                command);
    }

    private static String readCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "nocommit";
        } catch (IOException e) {
            return "nocommit";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "nocommit";
        }
    }

    private static long readMemoryMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static String readCpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
