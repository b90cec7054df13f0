package io.rangekv.router;

import io.rangekv.config.Settings;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code deploy/config/router.conf} lists every key with the default the code uses, and nothing else. */
class RouterConfigTemplateTest {
    private static final Pattern COMMENTED_KEY = Pattern.compile("^# ([a-z0-9.-]+) =\\s*(.*)$");

    @Test
    void theTemplatesDefaultsAreTheCodesDefaultsAndItListsEveryKey() throws Exception {
        Map<String, String> fromTemplate = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("..", "deploy", "config", "router.conf"))) {
            Matcher m = COMMENTED_KEY.matcher(line);
            if (m.matches()) {
                fromTemplate.put(m.group(1), m.group(2).trim());
            }
        }
        assertEquals(RouterConfig.DEFAULTS, RouterConfig.from(new Settings(fromTemplate)));
        Settings probe = Settings.empty();
        RouterConfig.from(probe);
        Set<String> missing = new TreeSet<>(probe.readKeys());
        missing.removeAll(fromTemplate.keySet());
        assertEquals(Set.of(), missing);
        assertThrows(IllegalArgumentException.class,
                () -> RouterConfig.from(new Settings(Map.of("router.prot", "1"))));
    }
}
