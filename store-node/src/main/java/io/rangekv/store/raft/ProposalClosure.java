package io.rangekv.store.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.error.RaftError;
import io.rangekv.error.ErrorKind;
import io.rangekv.error.ReplicaFatalException;
import io.rangekv.error.RetryableException;
import io.rangekv.error.UnknownResultException;
import io.rangekv.store.command.CommandResult;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Carries one proposal's outcome from the Raft library back to the proposer. The state machine sets the result
 * before the library runs the closure with OK; any other status becomes one of our errors here, at the boundary.
 */
final class ProposalClosure implements Closure {
    private final CompletableFuture<CommandResult> future = new CompletableFuture<>();
    private volatile CommandResult result;

    CompletableFuture<CommandResult> future() {
        return future;
    }

    void setResult(CommandResult applied) {
        this.result = applied;
    }

    @Override
    public void run(Status status) {
        if (status.isOk()) {
            future.complete(result != null ? result : CommandResult.DONE);
        } else if (status.getRaftError() == RaftError.EBUSY) {
            // The library refused the task before appending it: safe to retry after a pause.
            future.completeExceptionally(RetryableException.serverBusy(Duration.ofMillis(50),
                    "raft group busy: " + status.getErrorMsg()));
        } else if (status.getRaftError() == RaftError.ESTATEMACHINE) {
            // The replica failed while applying and stopped: this entry was not applied here.
            future.completeExceptionally(new ReplicaFatalException(ErrorKind.REPLICA_FATAL,
                    "the replica stopped while applying: " + status.getErrorMsg(), null));
        } else {
            // Leadership changed or the group stopped after the entry may have been appended: it can still commit.
            future.completeExceptionally(new UnknownResultException(0,
                    "proposal outcome unknown: " + status.getErrorMsg(), null));
        }
    }
}
