package io.rangekv.pd.schedule;

import io.rangekv.concurrent.ConfinedTo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Store instructions decided by the last scheduling round, waiting for their store's next heartbeat. Each round
 * replaces the whole set (a decision that no longer holds is dropped, not delivered late), and a delivery re-checks
 * the store's own report of that moment: a replica it no longer hosts is not destroyed, one it now hosts is not
 * created. Soft state of the PD leader.
 */
@ConfinedTo(DecisionThread.NAME)
public final class StoreInstructionQueue {
    private final DecisionThread thread;
    private Map<Long, List<StoreInstruction>> byStore = Map.of();

    public StoreInstructionQueue(DecisionThread thread) {
        this.thread = thread;
    }

    /** This round's decisions, replacing the last round's. */
    public void replaceAll(List<StoreInstruction> decided) {
        thread.checkOn();
        Map<Long, List<StoreInstruction>> next = new HashMap<>();
        for (StoreInstruction i : decided) {
            next.computeIfAbsent(i.storeId(), s -> new java.util.ArrayList<>()).add(i);
        }
        byStore = next;
    }

    /** The instructions for a store that just reported hosting {@code hosted}; each is delivered once. */
    public List<StoreInstruction> takeFor(long storeId, Set<Long> hosted) {
        thread.checkOn();
        List<StoreInstruction> pending = byStore.getOrDefault(storeId, List.of());
        if (pending.isEmpty()) {
            return List.of();
        }
        Map<Long, List<StoreInstruction>> next = new HashMap<>(byStore);
        next.remove(storeId);
        byStore = next;
        return pending.stream().filter(i -> i instanceof StoreInstruction.CreateReplica
                ? !hosted.contains(i.regionId()) : hosted.contains(i.regionId())).toList();
    }

    public void clear() {
        thread.checkOn();
        byStore = Map.of();
    }
}
