package io.rangekv.store.raft;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A split child's campaign waits one heartbeat interval (a tenth of the election timeout), never less than 150 ms
 * (its peers start their replicas a little later) and never more than the election timeout itself.
 */
class JraftOptionsTest {
    @ParameterizedTest(name = "election timeout {0} ms -> campaign after {1} ms")
    @CsvSource({"5000, 500", "2000, 200", "1000, 150", "120, 120"})
    void campaignTimeoutIsAHeartbeatIntervalWithinBounds(long electionTimeoutMs, int expectedMs) {
        RaftConfig config = RaftConfig.DEFAULTS.withElectionTimeout(Duration.ofMillis(electionTimeoutMs));
        assertEquals(expectedMs, JraftOptions.campaignTimeoutMs(config));
    }
}
