package io.rangekv.systest.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks that a history of register operations is linearizable, key by key (a history is linearizable exactly
 * when each key's sub-history is). For one key it searches for a total order that respects real time (an operation
 * that returned before another was invoked comes first) and the register's rules, in the manner of Wing and Gong
 * with Lowe's memoization: a search state is the set of operations already placed plus the register's value, and a
 * state seen once is never explored again.
 *
 * <p>Unknown outcomes return at infinity: they never constrain another operation's place, and the search succeeds
 * once every completed operation is placed — an unknown write left over is one that never took effect (or took
 * effect last), which is always allowed.
 */
public final class LinearizabilityChecker {
    private final long maxStates;

    public LinearizabilityChecker() {
        this(5_000_000);
    }

    /** {@code maxStates}: the search effort per key after which it gives up rather than run on. */
    public LinearizabilityChecker(long maxStates) {
        this.maxStates = maxStates;
    }

    public List<CheckResult> check(List<Op> history) {
        Map<String, List<Op>> byKey = history.stream()
                .collect(Collectors.groupingBy(Op::key, TreeMap::new, Collectors.toList()));
        List<CheckResult> results = new ArrayList<>();
        byKey.forEach((key, ops) -> results.add(checkKey(key, ops)));
        return results;
    }

    private record State(BitSet placed, String value) {
    }

    /** A search frame: a state and the next candidate index to try from it. */
    private static final class Frame {
        final State state;
        int next;

        Frame(State state) {
            this.state = state;
        }
    }

    CheckResult checkKey(String key, List<Op> unsorted) {
        List<Op> ops = new ArrayList<>(unsorted);
        ops.sort(Comparator.comparingLong(Op::invoked));
        int n = ops.size();
        BitSet mustPlace = new BitSet(n);
        for (int i = 0; i < n; i++) {
            if (!ops.get(i).isUnknown()) {
                mustPlace.set(i);
            }
        }
        Set<State> seen = new HashSet<>();
        Deque<Frame> stack = new ArrayDeque<>();
        State start = new State(new BitSet(n), null);
        seen.add(start);
        stack.push(new Frame(start));
        State deepest = start;
        while (!stack.isEmpty()) {
            if (seen.size() > maxStates) {
                return new CheckResult(key, CheckResult.Verdict.GAVE_UP, n, seen.size(),
                        "gave up after " + seen.size() + " states; " + describe(ops, deepest));
            }
            Frame frame = stack.peek();
            State s = frame.state;
            if (covers(s.placed, mustPlace)) {
                return new CheckResult(key, CheckResult.Verdict.LINEARIZABLE, n, seen.size(), "");
            }
            long minReturn = minReturn(ops, s.placed);
            boolean pushed = false;
            for (int i = frame.next; i < n; i++) {
                if (s.placed.get(i)) {
                    continue;
                }
                Op op = ops.get(i);
                if (op.invoked() >= minReturn) {
                    break; // sorted by invocation: every later op was invoked after some pending op returned
                }
                frame.next = i + 1;
                String[] after = op.step(s.value);
                if (after == null) {
                    continue;
                }
                BitSet placed = (BitSet) s.placed.clone();
                placed.set(i);
                State next = new State(placed, after[0]);
                if (seen.add(next)) {
                    if (placed.cardinality() > deepest.placed.cardinality()) {
                        deepest = next;
                    }
                    stack.push(new Frame(next));
                    pushed = true;
                    break;
                }
            }
            if (!pushed) {
                stack.pop();
            }
        }
        return new CheckResult(key, CheckResult.Verdict.NOT_LINEARIZABLE, n, seen.size(), describe(ops, deepest));
    }

    private static boolean covers(BitSet placed, BitSet mustPlace) {
        BitSet missing = (BitSet) mustPlace.clone();
        missing.andNot(placed);
        return missing.isEmpty();
    }

    private static long minReturn(List<Op> ops, BitSet placed) {
        long min = Long.MAX_VALUE;
        for (int i = placed.nextClearBit(0); i < ops.size(); i = placed.nextClearBit(i + 1)) {
            min = Math.min(min, ops.get(i).returned());
        }
        return min;
    }

    /** The furthest the search got: how many operations it could order, and what was left to place. */
    private static String describe(List<Op> ops, State deepest) {
        StringBuilder sb = new StringBuilder();
        sb.append("  the longest valid order placed ").append(deepest.placed.cardinality()).append(" of ")
                .append(ops.size()).append(" operations, ending with the register at ").append(deepest.value)
                .append("; none of the operations that could come next fits:\n");
        long minReturn = minReturn(ops, deepest.placed);
        int shown = 0;
        for (int i = deepest.placed.nextClearBit(0); i < ops.size() && shown < 12;
             i = deepest.placed.nextClearBit(i + 1)) {
            if (ops.get(i).invoked() < minReturn) {
                sb.append("    ").append(ops.get(i)).append('\n');
                shown++;
            }
        }
        return sb.toString();
    }
}
