package io.rangekv.systest.history;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Known-good and known-bad histories; times are small integers, "x" is the only key unless said otherwise. */
class LinearizabilityCheckerTest {
    private static final long UNKNOWN = Long.MAX_VALUE;
    private final List<Op> ops = new ArrayList<>();
    private long nextId;

    private void put(int client, String value, long from, long to) {
        ops.add(new Op(++nextId, client, "x", Op.Kind.PUT, null, value, true, from, to));
    }

    private void get(int client, String seen, long from, long to) {
        ops.add(new Op(++nextId, client, "x", Op.Kind.GET, null, seen, true, from, to));
    }

    private void cas(int client, String expected, String value, boolean succeeded, long from, long to) {
        ops.add(new Op(++nextId, client, "x", Op.Kind.CAS, expected, value, succeeded, from, to));
    }

    private CheckResult check() {
        List<CheckResult> results = new LinearizabilityChecker().check(ops);
        assertEquals(1, results.size());
        return results.get(0);
    }

    private void assertGood() {
        CheckResult r = check();
        assertTrue(r.isLinearizable(), r.toString());
    }

    private void assertBad() {
        CheckResult r = check();
        assertEquals(CheckResult.Verdict.NOT_LINEARIZABLE, r.verdict(), r.toString());
    }

    @Test
    void aSequentialHistoryIsLinearizable() {
        get(1, null, 0, 1);
        put(1, "a", 2, 3);
        get(2, "a", 4, 5);
        put(2, "b", 6, 7);
        get(1, "b", 8, 9);
        assertGood();
    }

    @Test
    void aReadConcurrentWithAWriteMaySeeEitherValue() {
        put(1, "a", 0, 1);
        put(1, "b", 2, 10);
        get(2, "a", 3, 4);
        get(3, "b", 5, 6);
        assertGood();
    }

    @Test
    void aStaleReadAfterACompletedWriteIsNot() {
        put(1, "a", 0, 1);
        put(1, "b", 2, 3);
        get(2, "a", 4, 5);
        CheckResult r = check();
        assertFalse(r.isLinearizable());
        assertTrue(r.explanation().contains("get -> a"), r.explanation());
    }

    @Test
    void aReadOfAValueNeverWrittenIsNot() {
        put(1, "a", 0, 1);
        get(2, "zzz", 2, 3);
        assertBad();
    }

    @Test
    void readsMustNotGoBackInTime() {
        put(1, "a", 0, 1);
        put(1, "b", 2, 20);
        get(2, "b", 3, 4);
        get(3, "a", 5, 6); // started after the read of b ended
        assertBad();
    }

    @Test
    void casResultsMustMatchTheRegister() {
        put(1, "a", 0, 1);
        cas(2, "a", "b", true, 2, 3);
        cas(3, "a", "c", false, 4, 5);
        get(1, "b", 6, 7);
        assertGood();

        ops.clear();
        put(1, "a", 0, 1);
        cas(2, "a", "b", false, 2, 3); // the register held a: it must have succeeded
        assertBad();
    }

    @Test
    void putIfAbsentSucceedsOnlyOnce() {
        cas(1, null, "a", true, 0, 5);
        cas(2, null, "b", true, 1, 6);
        assertBad();

        ops.clear();
        cas(1, null, "a", true, 0, 5);
        cas(2, null, "b", false, 1, 6);
        get(3, "a", 7, 8);
        assertGood();
    }

    @Test
    void anUnknownWriteMayHaveHappenedOrNot() {
        put(1, "a", 0, 1);
        put(2, "b", 2, UNKNOWN);
        get(3, "b", 10, 11);
        assertGood();

        ops.clear();
        put(1, "a", 0, 1);
        put(2, "b", 2, UNKNOWN);
        get(3, "a", 10, 11);
        get(3, "a", 12, 13);
        assertGood();
    }

    @Test
    void anUnknownWriteSeenOnceStaysSeen() {
        put(1, "a", 0, 1);
        put(2, "b", 2, UNKNOWN);
        get(3, "b", 10, 11);
        get(3, "a", 12, 13);
        assertBad();
    }

    @Test
    void anUnknownCasThatCouldNotMatchChangesNothing() {
        put(1, "a", 0, 1);
        ops.add(new Op(++nextId, 2, "x", Op.Kind.CAS, "zzz", "b", false, 2, UNKNOWN));
        get(3, "a", 10, 11);
        assertGood();
    }

    @Test
    void keysAreCheckedIndependently() {
        ops.add(new Op(1, 1, "x", Op.Kind.PUT, null, "a", true, 0, 1));
        ops.add(new Op(2, 1, "y", Op.Kind.GET, null, "a", true, 2, 3)); // y was never written
        ops.add(new Op(3, 1, "x", Op.Kind.GET, null, "a", true, 4, 5));
        List<CheckResult> results = new LinearizabilityChecker().check(ops);
        assertEquals(2, results.size());
        assertTrue(results.get(0).isLinearizable(), results.toString());
        assertFalse(results.get(1).isLinearizable(), results.toString());
    }

    @Test
    void historiesFromARealRegisterAlwaysPassAndACorruptedReadIsCaught() {
        int caught = 0;
        for (long seed = 1; seed <= 30; seed++) {
            List<Op> good = generate(new Random(seed), 300, 6);
            assertTrue(new LinearizabilityChecker().check(good).get(0).isLinearizable(), "seed " + seed);
            List<Op> bad = corruptOneRead(good, new Random(seed));
            if (!new LinearizabilityChecker().check(bad).get(0).isLinearizable()) {
                caught++;
            }
        }
        // A read of a value never written is always caught; a few seeds may pick a harmless corruption target.
        assertTrue(caught >= 25, "caught " + caught + " of 30");
    }

    @Test
    @Timeout(20)
    void twoThousandOperationsOfEightClientsCheckQuickly() {
        List<Op> history = generate(new Random(42), 2000, 8);
        CheckResult r = new LinearizabilityChecker().check(history).get(0);
        assertTrue(r.isLinearizable(), r.toString());
    }

    @Test
    void theSearchGivesUpRatherThanRunForever() {
        List<Op> history = generate(new Random(7), 400, 8);
        CheckResult r = new LinearizabilityChecker(10).check(history).get(0);
        assertEquals(CheckResult.Verdict.GAVE_UP, r.verdict());
    }

    /**
     * A history of a real register: each operation takes effect at one instant between its invocation and return;
     * clients overlap at random. Some writes are recorded as unknown.
     */
    private static List<Op> generate(Random random, int count, int clients) {
        List<Op> out = new ArrayList<>();
        String register = null;
        long[] clientFree = new long[clients];
        long now = 0;
        for (int i = 0; i < count; i++) {
            int client = random.nextInt(clients);
            // The effect instants increase with i, so the register's order is the list order.
            now = Math.max(now + 1 + random.nextInt(3), clientFree[client] + 1);
            long invoked = Math.max(now - random.nextInt(10), clientFree[client]);
            long effect = now;
            long returned = effect + 1 + random.nextInt(10);
            clientFree[client] = returned + 1;
            int choice = random.nextInt(3);
            Op op;
            if (choice == 0) {
                String value = "v" + i;
                register = value;
                boolean unknown = random.nextInt(10) == 0;
                op = new Op(i, client, "x", Op.Kind.PUT, null, value, true, invoked, unknown ? Long.MAX_VALUE : returned);
            } else if (choice == 1) {
                op = new Op(i, client, "x", Op.Kind.GET, null, register, true, invoked, returned);
            } else {
                String expected = random.nextBoolean() ? register : "v" + random.nextInt(i + 1);
                boolean matches = java.util.Objects.equals(expected, register);
                String value = "c" + i;
                if (matches) {
                    register = value;
                }
                op = new Op(i, client, "x", Op.Kind.CAS, expected, value, matches, invoked, returned);
            }
            out.add(op);
        }
        return out;
    }

    private static List<Op> corruptOneRead(List<Op> good, Random random) {
        List<Op> bad = new ArrayList<>(good);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int i = random.nextInt(bad.size());
            Op op = bad.get(i);
            if (op.kind() == Op.Kind.GET) {
                bad.set(i, new Op(op.id(), op.client(), op.key(), op.kind(), null, "never-written", true,
                        op.invoked(), op.returned()));
                return bad;
            }
        }
        throw new IllegalStateException("no read to corrupt");
    }
}
