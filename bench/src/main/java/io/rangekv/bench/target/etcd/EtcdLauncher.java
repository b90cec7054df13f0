package io.rangekv.bench.target.etcd;

import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.TargetLauncher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Starts the "etcd" target: an {@link EtcdCluster} of {@link TargetContext#replicas()} members under the run's work
 * directory, then an {@link EtcdTarget} client, and returns once a put and a read have been answered. etcd has one
 * storage engine (bbolt), so {@link TargetContext#engine()} does not apply.
 */
public final class EtcdLauncher implements TargetLauncher {
    static final String NOT_INSTALLED = "etcd is not installed: apt-get install etcd-server";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FIRST_ANSWER_TIMEOUT = Duration.ofSeconds(30);
    /** Classes whose loading fails when jetcd's protobuf, gRPC or Vert.x do not fit the class path. */
    private static final String[] CLIENT_CLASSES = {
        "io.etcd.jetcd.Client", "io.etcd.jetcd.api.RangeRequest", "io.grpc.netty.NettyChannelBuilder",
        "io.vertx.grpc.VertxChannelBuilder",
    };

    private final Supplier<Optional<Path>> binary;

    public EtcdLauncher() {
        this(EtcdCluster::findBinary);
    }

    /** With another way to find the etcd binary; for tests. */
    EtcdLauncher(Supplier<Optional<Path>> binary) {
        this.binary = binary;
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public Optional<String> unavailableReason() {
        if (binary.get().isEmpty()) {
            return Optional.of(NOT_INSTALLED);
        }
        for (String className : CLIENT_CLASSES) {
            try {
                Class.forName(className, true, EtcdLauncher.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                return Optional.of("the etcd client (jetcd) cannot load " + className + " (" + e
                        + "): rebuild bench so that bench/target/lib holds its dependencies");
            }
        }
        return Optional.empty();
    }

    @Override
    public EtcdTarget start(TargetContext context) throws Exception {
        Path etcd = binary.get().orElseThrow(() -> new IllegalStateException(NOT_INSTALLED));
        EtcdCluster cluster = EtcdCluster.start(etcd, context.workDir(), context.replicas(), READY_TIMEOUT,
                context.progress());
        EtcdTarget target = null;
        boolean answered = false;
        try {
            target = EtcdTarget.connect(cluster);
            target.awaitAnswers(FIRST_ANSWER_TIMEOUT);
            answered = true;
            context.progress().printf("etcd: client connected, a put and a read answered (%s)%n",
                    target.durability());
            return target;
        } finally {
            if (!answered) {
                if (target != null) {
                    target.close(); // closes the cluster too
                } else {
                    cluster.close();
                }
            }
        }
    }
}
