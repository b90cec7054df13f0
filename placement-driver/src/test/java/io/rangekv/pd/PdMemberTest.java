package io.rangekv.pd;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PdMemberTest {
    @Test
    void parsesTheMemberList() {
        List<PdMember> members = PdMember.parseList("1@127.0.0.1:2379/2380/2381, 2@10.0.0.2:3379/3380/3381");
        assertEquals(2, members.size());
        assertEquals("10.0.0.2:3380", members.get(1).raftAddress());
        assertEquals("127.0.0.1:2381", members.get(0).httpAddress());
    }

    @Test
    void aMalformedEntryNamesTheKeyAndTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PdMember.parseList("1@127.0.0.1:2379/2380"));
        assertTrue(e.getMessage().contains("pd.members") && e.getMessage().contains("id@host"), e.getMessage());
    }

    @Test
    void theConfigRejectsAMemberIdOutsideTheList() {
        io.rangekv.config.Settings s = new io.rangekv.config.Settings(java.util.Map.of("pd.id", "3",
                "pd.members", "1@127.0.0.1:2379/2380/2381"));
        assertThrows(IllegalArgumentException.class, () -> PdConfig.from(s));
    }

    @Test
    void unknownKeysAreAnError() {
        io.rangekv.config.Settings s = new io.rangekv.config.Settings(java.util.Map.of("pd.rpc-prot", "1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PdConfig.from(s));
        assertTrue(e.getMessage().contains("pd.rpc-prot"), e.getMessage());
    }
}
