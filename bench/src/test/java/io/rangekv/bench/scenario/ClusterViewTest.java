package io.rangekv.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Two regions, each with voters on stores 1-3: settled on {1, 2, 3} as far as replicas go. */
    private static JsonNode regions() throws Exception {
        String peers = "[{\"store_id\":1,\"role\":\"VOTER\"},{\"store_id\":2,\"role\":\"VOTER\"},"
                + "{\"store_id\":3,\"role\":\"VOTER\"}]";
        return JSON.readTree("[{\"id\":1,\"peers\":" + peers + "},{\"id\":2,\"peers\":" + peers + "}]");
    }

    private static ClusterView view(String running) throws Exception {
        return new ClusterView(regions(), JSON.readTree("[]"), JSON.readTree("{\"running\":" + running + "}"), 3);
    }

    @Test
    void leaderTransfersDoNotKeepTheClusterUnsettled() throws Exception {
        assertTrue(view("[]").settledOn(Set.of(1L, 2L, 3L)));
        assertTrue(view("[{\"kind\":\"hot-leader\",\"steps\":[\"TransferLeader[toStoreId=2]\"]}]")
                .settledOn(Set.of(1L, 2L, 3L)), "hot leaders keep moving under load");
        assertFalse(view("[{\"kind\":\"balance-region\",\"steps\":[\"AddLearner[learner=...]\","
                + "\"PromoteLearner[peerId=9]\",\"RemovePeer[storeId=1]\"]}]").settledOn(Set.of(1L, 2L, 3L)));
    }

    @Test
    void aReplicaOnAStoreNoLongerLiveIsNotSettled() throws Exception {
        assertFalse(view("[]").settledOn(Set.of(1L, 2L)));
    }
}
