package io.rangekv.store.heartbeat;

import io.rangekv.meta.Store;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.MetaCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;

/**
 * The store list the PD sent last, kept in the data directory: a restarting store must know where its regions'
 * other replicas are before it starts them, even while the PD is unreachable. Written atomically (temp file, then
 * rename).
 */
public final class KnownStores {
    static final String FILE = "known-stores.pb";

    private KnownStores() {
    }

    public static List<Store> load(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return PdProto.ListStoresResponse.parseFrom(Files.readAllBytes(file)).getStoresList().stream()
                    .map(info -> MetaCodec.fromProto(info.getStore())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + "; delete it and the PD will resend the list", e);
        }
    }

    static void save(Path dataDir, Collection<Store> stores) {
        PdProto.ListStoresResponse.Builder list = PdProto.ListStoresResponse.newBuilder();
        stores.forEach(s -> list.addStores(PdProto.StoreInfo.newBuilder().setStore(MetaCodec.toProto(s))));
        Path file = dataDir.resolve(FILE);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        try {
            Files.write(tmp, list.build().toByteArray());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
