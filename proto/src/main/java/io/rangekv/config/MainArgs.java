package io.rangekv.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The command line every RangeKV process takes: {@code --config <file>} and any number of {@code --key=value}
 * flags, which override the file. Shared by the store, PD and router mains so they behave alike.
 */
public final class MainArgs {
    private MainArgs() {
    }

    /** The settings named by {@code args}; throws {@link IllegalArgumentException} with a usage line when malformed. */
    public static Settings parse(String program, String[] args) throws IOException {
        Path configFile = null;
        Map<String, String> overrides = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else if (arg.startsWith("--") && arg.contains("=")) {
                int eq = arg.indexOf('=');
                overrides.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                throw new IllegalArgumentException("usage: " + program + " --config <file> [--key=value ...]; "
                        + "unexpected '" + arg + "'");
            }
        }
        return (configFile == null ? Settings.empty() : Settings.load(configFile)).with(overrides);
    }
}
