package io.rangekv.meta;

/**
 * The version of a region's shape. {@code confVersion} grows with every membership change, {@code version} with
 * every split or merge. The two fields are compared separately: neither implies anything about the other.
 */
public record RegionEpoch(long confVersion, long version) {
    public static final RegionEpoch INITIAL = new RegionEpoch(1, 1);

    public RegionEpoch {
        if (confVersion < 0 || version < 0) {
            throw new IllegalArgumentException("negative epoch " + confVersion + "/" + version);
        }
    }

    public RegionEpoch withNextConfVersion() {
        return new RegionEpoch(confVersion + 1, version);
    }

    public RegionEpoch withNextVersion() {
        return new RegionEpoch(confVersion, version + 1);
    }

    /** True when this epoch is older than {@code other} in either field. */
    public boolean isStaleComparedTo(RegionEpoch other) {
        return Long.compare(confVersion, other.confVersion) < 0 || Long.compare(version, other.version) < 0;
    }

    @Override
    public String toString() {
        return "conf:" + confVersion + "/ver:" + version;
    }
}
