package io.rangekv.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InsertSequenceTest {
    @Test
    void recordsBecomeReadableOnlyWhenEveryLowerOneIsAnswered() {
        InsertSequence s = new InsertSequence(10);
        assertEquals(10, s.acknowledged(), "the loaded records are readable");
        long a = s.issue();
        long b = s.issue();
        long c = s.issue();
        assertEquals(10, a);
        assertEquals(12, c);
        s.answered(c);
        s.answered(b);
        assertEquals(10, s.acknowledged(), "record 10 is still in flight, so 11 and 12 wait");
        s.answered(a);
        assertEquals(13, s.acknowledged(), "all three at once when the gap closes");
        assertEquals(13, s.issue());
    }
}
