package io.rangekv.pd.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rangekv.proto.gen.PdProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The file holding the PD's whole state in a RaftSnapshot. Format (big-endian):
 *
 * <pre>
 *   magic "RKVPDST1" (8 bytes) | payload length (8) | CRC32C of the payload (4) | payload (a PdState protobuf)
 * </pre>
 *
 * <p>Written to a temporary file, fsynced, renamed over the final name atomically, then the directory is fsynced:
 * a crash leaves either no file or a whole one. Read back only when the magic, the length and the checksum all
 * match: a protobuf cut at a field boundary or with a flipped byte in a string still parses, and a member that
 * loaded it would serve a cluster map that no one ever wrote. Stateless; any thread.
 */
final class PdStateFile {
    static final byte[] MAGIC = {'R', 'K', 'V', 'P', 'D', 'S', 'T', '1'};
    static final int HEADER_BYTES = MAGIC.length + Long.BYTES + Integer.BYTES;
    private static final String TEMP_SUFFIX = ".tmp";

    /** The file is not a whole PD state file as written by {@link #write}. */
    static final class CorruptStateFileException extends IOException {
        CorruptStateFileException(Path file, String why) {
            super("PD state file " + file + " is unusable: " + why + "; refusing to load it, so this member stops "
                    + "rather than serve a cluster map no one wrote");
        }
    }

    private PdStateFile() {
    }

    /** Writes {@code state} to {@code file} durably and atomically. */
    static void write(Path file, PdProto.PdState state) throws IOException {
        byte[] payload = state.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        buf.put(MAGIC).putLong(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        Path temp = file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            out.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(file.toAbsolutePath().getParent());
    }

    /** Reads a state written by {@link #write}; a {@link CorruptStateFileException} when it is not whole. */
    static PdProto.PdState read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < HEADER_BYTES) {
            throw new CorruptStateFileException(file, "truncated: " + all.length + " bytes, shorter than the "
                    + HEADER_BYTES + "-byte header");
        }
        ByteBuffer buf = ByteBuffer.wrap(all);
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CorruptStateFileException(file, "no PD state header (not written by this version, or "
                    + "overwritten)");
        }
        long length = buf.getLong();
        int expectedCrc = buf.getInt();
        if (length != buf.remaining()) {
            throw new CorruptStateFileException(file, (length > buf.remaining() ? "truncated" : "trailing bytes")
                    + ": the header announces " + length + " payload bytes, the file has " + buf.remaining());
        }
        CRC32C crc = new CRC32C();
        crc.update(all, HEADER_BYTES, all.length - HEADER_BYTES);
        if ((int) crc.getValue() != expectedCrc) {
            throw new CorruptStateFileException(file, String.format("checksum mismatch (CRC32C %08x recorded, "
                    + "%08x computed)", expectedCrc, (int) crc.getValue()));
        }
        try {
            return PdProto.PdState.parseFrom(ByteBuffer.wrap(all, HEADER_BYTES, all.length - HEADER_BYTES));
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptStateFileException(file, "the checksum matches but the payload does not parse ("
                    + e.getMessage() + ")");
        }
    }

    /** Makes the rename durable: on Linux a rename is only on disk once its directory is synced. */
    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
