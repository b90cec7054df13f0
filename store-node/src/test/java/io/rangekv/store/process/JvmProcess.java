package io.rangekv.store.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One RangeKV process (a store, a PD member, a router) in its own JVM, started from this test JVM's class path with
 * a config file. {@link #kill()} is {@code kill -9}: no shutdown hook runs, nothing is flushed.
 *
 * <p>Extra JVM options for every process (profiling, GC logs) come from the environment variable
 * {@value #JVM_OPTS_ENV}, split on whitespace; {@code {name}} in an option becomes the process name with spaces
 * replaced by dashes ({@code store-2}), so each process can write its own file, e.g.
 * {@code RANGEKV_PROCESS_JVM_OPTS='-XX:StartFlightRecording=filename=/tmp/prof/{name}.jfr,settings=profile'}.
 */
public final class JvmProcess implements AutoCloseable {
    /** The environment variable holding extra JVM options for every process started this way. */
    public static final String JVM_OPTS_ENV = "RANGEKV_PROCESS_JVM_OPTS";

    private final String name;
    private final String mainClass;
    private final Path configFile;
    private final Path logFile;
    private List<String> commandPrefix = List.of();
    private java.util.Map<String, String> environment = java.util.Map.of();
    private Process process;

    /** {@code name}: for messages ("store 2"); {@code mainClass}: a main taking {@code --config <file>}. */
    public JvmProcess(String name, String mainClass, Path configFile, Path logFile) {
        this.name = name;
        this.mainClass = mainClass;
        this.configFile = configFile;
        this.logFile = logFile;
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    /**
     * Words put before the {@code java} command at every start, e.g. {@code ip netns exec <ns>} to run the process
     * in a network namespace (the chaos suite). The prefix must exec the JVM in place (as {@code ip netns exec}
     * does), so that {@link #pid()}, {@link #kill()} and signals reach the JVM itself, not a wrapper.
     */
    public JvmProcess commandPrefix(List<String> prefix) {
        this.commandPrefix = List.copyOf(prefix);
        return this;
    }

    /** Variables added to the process's environment at every start (e.g. {@code LD_PRELOAD} for libfaketime). */
    public JvmProcess environment(java.util.Map<String, String> variables) {
        this.environment = java.util.Map.copyOf(variables);
        return this;
    }

    public void start() {
        List<String> command = new ArrayList<>(commandPrefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
        // The test classpath's logging setup is warnings only (for the test's own output); a process writes to its
        // own file, where our INFO lines (membership steps, RaftSnapshots, refusals) are what explains a failure.
        command.add("-Dorg.slf4j.simpleLogger.log.io.rangekv=info");
        command.addAll(extraJvmOptions(System.getenv(JVM_OPTS_ENV), name));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.add("--config");
        command.add(configFile.toString());
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        STARTED.add(process);
    }

    /**
     * Processes started here and not yet stopped, ended by a shutdown hook if this JVM exits first: a bench stopped
     * with Ctrl-C or SIGTERM left its PD and stores running, orphaned, until killed by hand.
     */
    private static final java.util.Set<Process> STARTED = startedSet();

    private static java.util.Set<Process> startedSet() {
        java.util.Set<Process> started = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> started.forEach(Process::destroyForcibly),
                "jvm-process-reaper"));
        return started;
    }

    /** The options from {@value #JVM_OPTS_ENV}, with {@code {name}} replaced by this process's name. */
    static List<String> extraJvmOptions(String value, String processName) {
        List<String> options = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return options;
        }
        String fileName = processName.replace(' ', '-');
        for (String option : value.trim().split("\\s+")) {
            options.add(option.replace("{name}", fileName));
        }
        return options;
    }

    /** The OS process id, while running. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, then wait for the process to be gone. */
    public void kill() throws InterruptedException {
        if (process != null) {
            STARTED.remove(process);
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " did not die after SIGKILL");
            }
        }
    }

    /** The last lines of the process log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM (clean stop), escalating to SIGKILL; an interrupt escalates at once and is kept. */
    @Override
    public void close() {
        if (process == null || !process.isAlive()) {
            if (process != null) {
                STARTED.remove(process);
            }
            return;
        }
        process.destroy();
        try {
            if (process.waitFor(20, TimeUnit.SECONDS)) {
                STARTED.remove(process);
            } else {
                kill();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
