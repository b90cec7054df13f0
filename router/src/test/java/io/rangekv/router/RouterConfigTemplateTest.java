package io.rangekv.router;

import io.rangekv.config.ConfigTemplate;
import io.rangekv.config.Settings;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code deploy/config/router.conf} lists every key with the default the code uses, and nothing else. */
class RouterConfigTemplateTest {
    @Test
    void theTemplatesDefaultsAreTheCodesDefaultsAndItListsEveryKey() throws Exception {
        Map<String, String> fromTemplate = ConfigTemplate.commentedDefaults(Path.of("..", "deploy", "config",
                "router.conf"));
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
