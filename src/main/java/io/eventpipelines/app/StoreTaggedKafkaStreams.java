package io.eventpipelines.app;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/**
 * A {@link KafkaStreams} whose {@link #metrics()} tags every state store metric with {@code store}. Kafka names a
 * store's tag after the store's type ({@code rocksdb-state-id}, {@code in-memory-window-state-id}, ...), so one store
 * metric has different tag keys for stores of different types, and Prometheus takes only the first set of keys per
 * metric name. Renaming the tag here, where Micrometer's Kafka binder reads the metrics, rather than with a
 * {@code MeterFilter} afterwards, keeps the binder's own bookkeeping right: it compares and removes meters by the tags
 * it was given (micrometer#7541), so a filter left meters of stores that had moved away, and re-registered every
 * store's meters at each rebalance, with a "This Gauge has been already registered" warning.
 */
final class StoreTaggedKafkaStreams extends KafkaStreams {
    static final String STATE_GROUP = "stream-state-metrics";
    static final String STORE = "store";
    private static final String STATE_ID_SUFFIX = "-state-id";

    StoreTaggedKafkaStreams(Topology topology, Properties properties) {
        super(topology, properties);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        Map<MetricName, ? extends Metric> metrics = super.metrics();
        Map<MetricName, Metric> tagged = new LinkedHashMap<>(metrics.size() * 2);
        metrics.forEach((name, metric) -> {
            MetricName storeTagged = storeTagged(name);
            tagged.put(storeTagged, storeTagged == name ? metric : new Renamed(storeTagged, metric));
        });
        return tagged;
    }

    /**
     * The same name with its one {@code *-state-id} tag renamed {@code store}; a name of any other shape is left
     * alone rather than risk merging two metrics into one.
     */
    static MetricName storeTagged(MetricName name) {
        if (!name.group().equals(STATE_GROUP) || name.tags().containsKey(STORE)) {
            return name;
        }
        long stateIds = name.tags().keySet().stream()
                .filter(key -> key.endsWith(STATE_ID_SUFFIX))
                .count();
        if (stateIds != 1) {
            return name;
        }
        Map<String, String> tags = new LinkedHashMap<>();
        name.tags().forEach((key, value) -> tags.put(key.endsWith(STATE_ID_SUFFIX) ? STORE : key, value));
        return new MetricName(name.name(), name.group(), name.description(), tags);
    }

    /** Kafka's metric under its new name; its value is read live, as Kafka's is. */
    private record Renamed(MetricName metricName, Metric metric) implements Metric {
        @Override
        public Object metricValue() {
            return metric.metricValue();
        }
    }
}
