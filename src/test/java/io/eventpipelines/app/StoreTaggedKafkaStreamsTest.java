package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class StoreTaggedKafkaStreamsTest {
    private static MetricName name(String group, String... tags) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < tags.length; i += 2) {
            map.put(tags[i], tags[i + 1]);
        }
        return new MetricName("put-rate", group, "", map);
    }

    @Test
    void everyStoreTypesTagBecomesStore() {
        String state = StoreTaggedKafkaStreams.STATE_GROUP;
        assertEquals(
                Map.of("thread-id", "t", "task-id", "0_1", "store", "stats"),
                StoreTaggedKafkaStreams.storeTagged(
                                name(state, "thread-id", "t", "task-id", "0_1", "rocksdb-window-state-id", "stats"))
                        .tags());
        assertEquals(
                Map.of("thread-id", "t", "task-id", "0_1", "store", "thresholds"),
                StoreTaggedKafkaStreams.storeTagged(
                                name(state, "thread-id", "t", "task-id", "0_1", "in-memory-state-id", "thresholds"))
                        .tags());
    }

    @Test
    void aNameOfAnotherShapeIsLeftAlone() {
        // Renaming would merge two metrics into one name, or drop a tag.
        String state = StoreTaggedKafkaStreams.STATE_GROUP;
        MetricName twoStores = name(state, "rocksdb-state-id", "a", "in-memory-state-id", "b");
        assertSame(twoStores, StoreTaggedKafkaStreams.storeTagged(twoStores));
        MetricName hasStore = name(state, "rocksdb-state-id", "a", "store", "b");
        assertSame(hasStore, StoreTaggedKafkaStreams.storeTagged(hasStore));
        MetricName notAStoreMetric = name("stream-thread-metrics", "rocksdb-state-id", "a");
        assertSame(notAStoreMetric, StoreTaggedKafkaStreams.storeTagged(notAStoreMetric));
    }
}
