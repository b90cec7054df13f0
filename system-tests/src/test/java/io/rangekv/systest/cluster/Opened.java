package io.rangekv.systest.cluster;

import java.util.ArrayList;
import java.util.List;

/** What a scenario test opened (clusters, clients, load), closed in reverse order when the test ends. */
final class Opened implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    <T extends AutoCloseable> T keep(T resource) {
        open.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }
}
