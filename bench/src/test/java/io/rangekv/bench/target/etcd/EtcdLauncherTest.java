package io.rangekv.bench.target.etcd;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Without an etcd binary the target says how to install it (the bench prints that and runs the other targets). */
class EtcdLauncherTest {
    @Test
    void withoutTheBinaryTheReasonNamesThePackage() {
        assertEquals(Optional.of("etcd is not installed: apt-get install etcd-server"),
                new EtcdLauncher(Optional::empty).unavailableReason());
    }
}
