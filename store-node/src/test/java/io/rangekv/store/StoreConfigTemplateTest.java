package io.rangekv.store;

import io.rangekv.config.ConfigTemplate;
import io.rangekv.config.Settings;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code deploy/config/store.conf} lists every key with the default the code uses, and nothing else. */
class StoreConfigTemplateTest {
    private static final Path TEMPLATE = Path.of("..", "deploy", "config", "store.conf");

    private static Map<String, String> templateDefaults() throws Exception {
        return new HashMap<>(ConfigTemplate.commentedDefaults(TEMPLATE));
    }

    @Test
    void theTemplatesDefaultsAreTheCodesDefaults() throws Exception {
        Map<String, String> fromTemplate = templateDefaults();
        assertTrue(fromTemplate.size() > 25, "template keys: " + fromTemplate.keySet());
        // store.id has no usable default; both sides get the same one.
        fromTemplate.put("store.id", "1");
        Settings uncommented = new Settings(fromTemplate);
        StoreConfig fromFile = StoreConfig.from(uncommented);
        assertEquals(List.of(), List.copyOf(uncommented.unusedKeys()), "template keys the code never reads");
        StoreConfig fromCode = StoreConfig.from(new Settings(Map.of("store.id", "1")));
        assertEquals(fromCode, fromFile);
    }

    @Test
    void everyKeyTheCodeReadsIsInTheTemplateAndUnknownKeysAreRefused() throws Exception {
        Settings probe = new Settings(Map.of("store.id", "1"));
        StoreConfig.from(probe);
        java.util.Set<String> missing = new java.util.TreeSet<>(probe.readKeys());
        missing.removeAll(templateDefaults().keySet());
        assertEquals(java.util.Set.of(), missing, "keys the code reads but the template does not list");
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> StoreConfig.from(new Settings(Map.of("store.id", "1", "engine.kindd", "lmdb"))));
        assertTrue(typo.getMessage().contains("engine.kindd"), typo.getMessage());
    }
}
