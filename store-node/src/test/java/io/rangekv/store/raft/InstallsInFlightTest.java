package io.rangekv.store.raft;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstallsInFlightTest {
    @Test
    void oneInstallPerReplicaUntilItIsAnsweredOrLost() {
        AtomicLong now = new AtomicLong(1_000);
        InstallsInFlight inFlight = new InstallsInFlight(now::get);
        InstallsInFlight.Claim first = inFlight.claim("r7/a", 60).claimed().orElseThrow();
        assertEquals(60, inFlight.claim("r7/a", 60).busy().orElseThrow().index(), "a repeat waits");
        assertEquals(60, inFlight.claim("r7/a", 75).busy().orElseThrow().index(), "a newer one waits too");
        assertTrue(inFlight.claim("r8/a", 75).claimed().isPresent(), "another replica is not held up");

        inFlight.release("r7/a", first);
        InstallsInFlight.Claim second = inFlight.claim("r7/a", 75).claimed().orElseThrow();
        inFlight.release("r7/a", first); // a late release of an older claim leaves the newer one alone
        assertTrue(inFlight.claim("r7/a", 75).busy().isPresent());

        now.addAndGet(InstallsInFlight.STALE.toMillis() + 1);
        assertTrue(inFlight.claim("r7/a", 80).claimed().isPresent(), "an answer that never came is not waited for");
        assertEquals(75, second.index());
    }
}
