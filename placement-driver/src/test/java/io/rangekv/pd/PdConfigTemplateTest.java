package io.rangekv.pd;

import io.rangekv.config.ConfigTemplate;
import io.rangekv.config.Settings;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code deploy/config/pd.conf} lists every key with the default the code uses, and nothing else. */
class PdConfigTemplateTest {
    private static final Path TEMPLATE = Path.of("..", "deploy", "config", "pd.conf");

    private static Map<String, String> templateDefaults() throws Exception {
        return new HashMap<>(ConfigTemplate.commentedDefaults(TEMPLATE));
    }

    @Test
    void theTemplatesDefaultsAreTheCodesDefaultsAndItListsEveryKey() throws Exception {
        Map<String, String> fromTemplate = templateDefaults();
        assertTrue(fromTemplate.size() >= 12, "template keys: " + fromTemplate.keySet());
        Settings uncommented = new Settings(fromTemplate);
        assertEquals(PdConfig.from(Settings.empty()), PdConfig.from(uncommented));
        Settings probe = Settings.empty();
        PdConfig.from(probe);
        Set<String> missing = new TreeSet<>(probe.readKeys());
        missing.removeAll(fromTemplate.keySet());
        assertEquals(Set.of(), missing, "keys the code reads but the template does not list");
    }
}
