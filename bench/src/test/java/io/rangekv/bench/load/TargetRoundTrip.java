package io.rangekv.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every target's IT checks first: puts, a read, a miss and limited scans of {@code user/0..4}. */
public final class TargetRoundTrip {
    private TargetRoundTrip() {
    }

    public static void check(Target target, long timeoutSeconds) throws Exception {
        for (int i = 0; i < 5; i++) {
            target.put(bytes("user/" + i), bytes("v" + i)).get(timeoutSeconds, TimeUnit.SECONDS);
        }
        assertArrayEquals(bytes("v3"), target.read(bytes("user/3")).get(timeoutSeconds, TimeUnit.SECONDS)
                .orElseThrow());
        assertTrue(target.read(bytes("user/missing")).get(timeoutSeconds, TimeUnit.SECONDS).isEmpty());
        assertEquals(3, target.scan(bytes("user/1"), 3).get(timeoutSeconds, TimeUnit.SECONDS));
        assertEquals(4, target.scan(bytes("user/1"), 100).get(timeoutSeconds, TimeUnit.SECONDS), "user/1..4 (the "
                + "start-up probe key sorts before them)");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
