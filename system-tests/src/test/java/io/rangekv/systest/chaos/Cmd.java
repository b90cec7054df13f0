package io.rangekv.systest.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one short system command (ip, iptables, mount, kill) and waits for it, bounded: the chaos harness never
 * leaves a helper command running behind it.
 */
final class Cmd {
    private static final long TIMEOUT_SECONDS = 30;

    private Cmd() {
    }

    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs the command; a non-zero exit is an error carrying its output. */
    static String run(String... command) {
        Result r = attempt(command);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + r.exitCode() + ": "
                    + r.output().strip());
        }
        return r.output();
    }

    static String run(List<String> command) {
        return run(command.toArray(String[]::new));
    }

    /** Runs the command and returns its exit code and output, whatever they are (teardown, probes). */
    static Result attempt(String... command) {
        Path out;
        Process p;
        try {
            // Output goes to a file, not a pipe: a pipe nobody reads while we wait could fill and stall the command.
            out = Files.createTempFile("chaos-cmd", ".out");
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(out);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    static boolean available(String... probe) {
        return attempt(probe).ok();
    }
}
