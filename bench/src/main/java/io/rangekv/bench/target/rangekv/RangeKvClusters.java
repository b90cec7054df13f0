package io.rangekv.bench.target.rangekv;

import io.rangekv.bench.load.TargetContext;
import io.rangekv.store.process.ProcessCluster;

import java.util.Map;

/**
 * Starts the RangeKV cluster a benchmark target runs against: 1 PD and {@link TargetContext#replicas()} stores (and
 * a router when asked) as separate JVMs on loopback, with the production defaults (fsync on, 3 replicas) and the
 * context's engine. The PD creates the first region once the stores have registered.
 */
final class RangeKvClusters {
    private RangeKvClusters() {
    }

    /** How the report describes the cluster: "1 PD + 3 stores (rocksdb)". */
    static String layout(TargetContext context) {
        return "1 PD + " + context.replicas() + " stores (" + context.engine() + ")";
    }

    static ProcessCluster start(TargetContext context, boolean router) {
        long begin = System.nanoTime();
        ProcessCluster cluster = new ProcessCluster(context.workDir());
        try {
            cluster.startPd(1, Map.of());
            cluster.startStores(context.replicas(), context.engine(), Map.of());
            if (router) {
                cluster.startRouter();
            }
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        context.progress().printf("rangekv: 1 PD, %d %s stores%s ready in %.1f s (logs in %s)%n", context.replicas(),
                context.engine(), router ? ", 1 router" : "", (System.nanoTime() - begin) / 1e9, context.workDir());
        return cluster;
    }
}
