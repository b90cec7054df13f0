package io.rangekv.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadFileTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"a", "b", "c", "d", "e", "f", "write", "read"})
    void everyBundledWorkloadParses(String name) throws Exception {
        Workload w = WorkloadFile.load(name);
        assertEquals(name, w.name());
        assertEquals(100, w.valueSize());
        assertEquals(64, w.inflight());
        assertEquals(1.0, w.mix().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
    }

    @Test
    void theBundledMixesAreYcsbs() throws Exception {
        assertEquals(0.5, WorkloadFile.load("a").share(Workload.Op.UPDATE));
        assertEquals(KeyDistribution.LATEST, WorkloadFile.load("d").distribution());
        assertEquals(0.95, WorkloadFile.load("e").share(Workload.Op.SCAN));
        assertEquals(0.5, WorkloadFile.load("f").share(Workload.Op.READ_MODIFY_WRITE));
    }

    @Test
    void theGoalsWorkloadsAreWriteOnlyAndReadOnlyOverRecordsOfTheSameScale() throws Exception {
        Workload write = WorkloadFile.load("write");
        Workload read = WorkloadFile.load("read");
        assertEquals(Map.of(Workload.Op.UPDATE, 1.0), write.mix());
        assertEquals(Map.of(Workload.Op.READ, 1.0), read.mix());
        assertEquals(write.records(), read.records(), "the comparison loads once for both");
        assertEquals(KeyDistribution.UNIFORM, write.distribution());
    }

    @Test
    void aFileByPathWithOverrides() throws Exception {
        Path file = dir.resolve("mine.conf");
        Files.writeString(file, "read-proportion = 0.25\nupdate-proportion = 0.75\nduration = 2m\nwarmup = 500ms\n");
        Workload w = WorkloadFile.load(file.toString()).withInflight(8).withRecords(10);
        assertEquals("mine", w.name());
        assertEquals(Duration.ofMinutes(2), w.duration());
        assertEquals(Duration.ofMillis(500), w.warmup());
        assertEquals(8, w.inflight());
        assertEquals(10, w.records());
    }

    @Test
    void badInputNamesTheKey() {
        IllegalArgumentException sum = assertThrows(IllegalArgumentException.class, () -> WorkloadFile.parse("x",
                new StringReader("read-proportion = 0.5\nupdate-proportion = 0.2\n")));
        assertTrue(sum.getMessage().contains("sum to 1"), sum.getMessage());
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> WorkloadFile.parse("x",
                new StringReader("read-proportion = 1\nrecords = 5\n")));
        assertTrue(typo.getMessage().contains("records"), typo.getMessage());
        IllegalArgumentException dist = assertThrows(IllegalArgumentException.class, () -> WorkloadFile.parse("x",
                new StringReader("read-proportion = 1\nrequest-distribution = pareto\n")));
        assertTrue(dist.getMessage().contains("request-distribution"), dist.getMessage());
        IllegalArgumentException share = assertThrows(IllegalArgumentException.class, () -> WorkloadFile.parse("x",
                new StringReader("read-proportion = lots\n")));
        assertTrue(share.getMessage().contains("read-proportion"), share.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkloadFile.load("z"));
    }
}
