package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PipelineStatusTest {
    @Test
    void aRestoringStoreShowsHowFarItGotUntilItEnds() {
        PipelineStatus status = new PipelineStatus();
        TopicPartition changelog = new TopicPartition("app-inventory-inventory-stock-changelog", 2);
        status.onRestoreStart(changelog, "inventory-stock", 100, 1_100);
        status.onBatchRestored(changelog, "inventory-stock", 400, 300);
        status.onBatchRestored(changelog, "inventory-stock", 700, 300);
        assertEquals(Map.of("inventory-stock-2", Map.of("restored", 600L, "total", 1_000L)), status.restoringNow());
        status.onRestoreEnd(changelog, "inventory-stock", 1_000);
        assertEquals(Map.of(), status.restoringNow());
    }
}
