package io.rangekv.concurrent;

import org.slf4j.Logger;

import java.util.List;

/** Stopping what a process started, in reverse order, logging (not hiding) what fails to stop. */
public final class Closeables {
    private Closeables() {
    }

    public static void closeInReverse(List<? extends AutoCloseable> started, Logger log) {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                log.warn("error while stopping {}", started.get(i), e);
            }
        }
    }
}
