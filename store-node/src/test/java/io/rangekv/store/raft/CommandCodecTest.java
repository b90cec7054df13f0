package io.rangekv.store.raft;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.proto.gen.CommandProto;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.Proposal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CommandCodecTest {
    static Stream<Command> commands() {
        return Stream.of(
                new Command.Put(Key.of("k"), new byte[] {1, 2, (byte) 0xff}),
                new Command.Put(Key.of("empty-value"), new byte[0]),
                new Command.Delete(Key.wrap(new byte[] {0, (byte) 0x80})),
                new Command.DeleteRange(new KeyRange(Key.of("a"), Key.of("c"))),
                new Command.DeleteRange(new KeyRange(Key.of("a"), Key.EMPTY)),
                new Command.CompareAndPut(Key.of("k"), null, new byte[] {9}),
                new Command.CompareAndPut(Key.of("k"), new byte[0], new byte[] {9}),
                new Command.CompareAndPut(Key.of("k"), new byte[] {3}, new byte[] {9}),
                new Command.Batch(List.of(new Command.Put(Key.of("a"), new byte[] {1}),
                        new Command.Delete(Key.of("b")))),
                new Command.Split(Key.of("m"), 42, List.of(43L, 44L, 45L)),
                new Command.ChangePeers(List.of(Peer.voter(1, 1), Peer.learner(7, 4))),
                new Command.PrepareMerge(42),
                new Command.CommitMerge(new io.rangekv.meta.Region(7,
                        new io.rangekv.meta.KeyRange(Key.of("m"), Key.EMPTY), new io.rangekv.meta.RegionEpoch(2, 5),
                        List.of(Peer.voter(1, 1)))),
                new Command.RollbackMerge());
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandRoundTrips(Command command) {
        Proposal proposal = new Proposal(5, new RegionEpoch(2, 3), command);
        assertEquals(proposal, CommandCodec.decode(CommandCodec.encode(proposal)));
    }

    @Test
    void clientWritesTravelWithTheEntryAndOldEntriesHaveNone() {
        io.rangekv.store.command.ClientWrites writes = new io.rangekv.store.command.ClientWrites(-42L,
                new long[] {9, 11}, 9, 1_700_000_000_123L);
        Proposal p = new Proposal(3, new io.rangekv.meta.RegionEpoch(1, 2), new Command.Batch(java.util.List.of(
                new Command.Put(io.rangekv.meta.Key.of("a"), new byte[] {1}),
                new Command.Delete(io.rangekv.meta.Key.of("b")))), writes);
        assertEquals(p, CommandCodec.decode(CommandCodec.encode(p)));
        Proposal plain = new Proposal(3, new io.rangekv.meta.RegionEpoch(1, 2),
                new Command.Put(io.rangekv.meta.Key.of("a"), new byte[] {1}));
        assertEquals(null, CommandCodec.decode(CommandCodec.encode(plain)).writes());
    }

    @Test
    void anEntryOfAnUnknownKindIsAnErrorNotANoOp() {
        byte[] fromANewerBuild = CommandProto.Command.newBuilder().setRegionId(5).build().toByteArray();
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.decode(fromANewerBuild));
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.decode(new byte[] {(byte) 0xff, 1, 2}));
    }
}
