package io.rangekv.meta;

/** {@code UP -> DISCONNECTED -> DOWN} as heartbeats stop; {@code OFFLINE -> TOMBSTONE} while decommissioning. */
public enum StoreState {
    UP,
    DISCONNECTED,
    DOWN,
    OFFLINE,
    TOMBSTONE
}
