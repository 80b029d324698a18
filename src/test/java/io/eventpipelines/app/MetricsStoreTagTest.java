package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import org.junit.jupiter.api.Test;

class MetricsStoreTagTest {
    private static Meter.Id id(String name, String... tags) {
        return new Meter.Id(name, Tags.of(tags), null, null, Meter.Type.GAUGE);
    }

    @Test
    void everyStoreTypesTagBecomesStore() {
        assertEquals(
                Tags.of("store", "stats", "task.id", "0_1"),
                Tags.of(Metrics.STORE_TAG
                        .map(id("kafka.stream.state.put.rate", "rocksdb.window.state.id", "stats", "task.id", "0_1"))
                        .getTags()));
        assertEquals(
                Tags.of("store", "thresholds", "task.id", "0_1"),
                Tags.of(Metrics.STORE_TAG
                        .map(id("kafka.stream.state.put.rate", "in.memory.state.id", "thresholds", "task.id", "0_1"))
                        .getTags()));
    }

    @Test
    void anIdOfAnotherShapeIsLeftAlone() {
        // Renaming would merge two meters into one id, or drop a tag.
        Meter.Id twoStores = id("kafka.stream.state.put.rate", "rocksdb.state.id", "a", "in.memory.state.id", "b");
        assertEquals(twoStores, Metrics.STORE_TAG.map(twoStores));
        Meter.Id hasStore = id("kafka.stream.state.put.rate", "rocksdb.state.id", "a", "store", "b");
        assertEquals(hasStore, Metrics.STORE_TAG.map(hasStore));
        Meter.Id notAStoreMetric = id("kafka.stream.thread.process.total", "rocksdb.state.id", "a");
        assertEquals(notAStoreMetric, Metrics.STORE_TAG.map(notAStoreMetric));
    }
}
