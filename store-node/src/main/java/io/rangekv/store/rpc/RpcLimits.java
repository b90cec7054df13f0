package io.rangekv.store.rpc;

import io.rangekv.config.DataSize;
import io.rangekv.config.Settings;

import java.time.Duration;

/**
 * What the KV service accepts. Defaults live here only.
 *
 * @param maxKeySize      longest key (the LMDB engine lowers it to its own limit at start)
 * @param maxValueSize    largest value
 * @param maxFrameSize    largest frame on the wire; longer frames close the connection
 * @param maxBatchKeys    keys in one batch request
 * @param maxScanLimit    pairs one scan may return
 * @param maxScanBytes    bytes of keys and values one scan response carries at most (at least one pair is always
 *                        returned); the response says there is more
 * @param maxInFlight     requests the server works on at once; beyond it, ServerBusy
 * @param defaultTimeout  deadline for a request that carries none
 */
public record RpcLimits(DataSize maxKeySize, DataSize maxValueSize, DataSize maxFrameSize, int maxBatchKeys,
                        int maxScanLimit, DataSize maxScanBytes, int maxInFlight, Duration defaultTimeout) {
    public static final RpcLimits DEFAULTS = new RpcLimits(DataSize.ofKilobytes(4), DataSize.ofMegabytes(4),
            DataSize.ofMegabytes(16), 10_000, 10_000, DataSize.ofMegabytes(4), 10_000, Duration.ofSeconds(10));

    public RpcLimits {
        if (maxKeySize.bytes() < 1 || maxValueSize.bytes() < 1) {
            throw new IllegalArgumentException("rpc.max-key-size and rpc.max-value-size must be positive");
        }
        if (maxFrameSize.bytes() <= maxValueSize.bytes() + maxKeySize.bytes()) {
            throw new IllegalArgumentException("rpc.max-frame-size must exceed rpc.max-key-size + rpc.max-value-size");
        }
        if (maxScanBytes.bytes() < 1 || maxScanBytes.bytes() + maxKeySize.bytes() + maxValueSize.bytes()
                >= maxFrameSize.bytes()) {
            throw new IllegalArgumentException("rpc.max-scan-bytes must be positive and, with one largest pair, "
                    + "fit in rpc.max-frame-size");
        }
        if (maxBatchKeys < 1 || maxScanLimit < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("rpc batch, scan and in-flight limits must be positive");
        }
    }

    public static RpcLimits from(Settings s) {
        RpcLimits d = DEFAULTS;
        return new RpcLimits(
                s.getDataSize("rpc.max-key-size", d.maxKeySize),
                s.getDataSize("rpc.max-value-size", d.maxValueSize),
                s.getDataSize("rpc.max-frame-size", d.maxFrameSize),
                s.getInt("rpc.max-batch-keys", d.maxBatchKeys),
                s.getInt("rpc.max-scan-limit", d.maxScanLimit),
                s.getDataSize("rpc.max-scan-bytes", d.maxScanBytes),
                s.getInt("rpc.max-in-flight", d.maxInFlight),
                s.getDuration("rpc.default-timeout", d.defaultTimeout));
    }

    /** These limits with the key size capped at what the engine can store. */
    public RpcLimits withKeySizeAtMost(long engineMaxUserKey) {
        if (maxKeySize.bytes() <= engineMaxUserKey) {
            return this;
        }
        return new RpcLimits(DataSize.ofBytes(engineMaxUserKey), maxValueSize, maxFrameSize, maxBatchKeys,
                maxScanLimit, maxScanBytes, maxInFlight, defaultTimeout);
    }
}
