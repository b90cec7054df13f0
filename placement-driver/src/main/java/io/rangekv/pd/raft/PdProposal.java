package io.rangekv.pd.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Status;
import io.rangekv.error.RetryableException;
import io.rangekv.pd.meta.ClusterMetadata;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** One proposed PD command: completes with what applying it produced, or fails when it was not committed here. */
final class PdProposal implements Closure {
    private final CompletableFuture<ClusterMetadata.Outcome> future = new CompletableFuture<>();

    CompletableFuture<ClusterMetadata.Outcome> future() {
        return future;
    }

    void complete(ClusterMetadata.Outcome outcome) {
        future.complete(outcome);
    }

    /** Called by JRaft after apply (OK: already completed) or when the entry was not committed by this leader. */
    @Override
    public void run(Status status) {
        if (!status.isOk()) {
            future.completeExceptionally(RetryableException.serverBusy(Duration.ofMillis(100),
                    "PD command not committed: " + status.getErrorMsg()));
        }
    }
}
