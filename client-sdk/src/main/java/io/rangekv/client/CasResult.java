package io.rangekv.client;

import java.util.Optional;

/** The outcome of a compare-and-put: whether it took effect, and the value found (absent if none). */
public record CasResult(boolean succeeded, Optional<byte[]> previous) {
}
