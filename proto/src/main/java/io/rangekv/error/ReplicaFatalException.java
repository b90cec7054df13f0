package io.rangekv.error;

/**
 * The replica (or the whole store) can no longer apply its log: storage full, engine I/O error, corruption, an
 * apply failure. The replica stops rather than skip an entry, because a skipped entry is silent divergence.
 */
public final class ReplicaFatalException extends KvException {
    public ReplicaFatalException(ErrorKind kind, String message, Throwable cause) {
        super(kind, message, cause);
        if (kind.errorClass() != ErrorKind.ErrorClass.REPLICA_FATAL) {
            throw new IllegalArgumentException(kind + " is not replica-fatal");
        }
    }

    public static ReplicaFatalException storageFull(String message, Throwable cause) {
        return new ReplicaFatalException(ErrorKind.STORAGE_FULL, message, cause);
    }
}
