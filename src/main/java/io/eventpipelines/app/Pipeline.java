package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.logs.ServiceErrorRate;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.InventoryUpdate;
import io.eventpipelines.orders.Notification;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.orders.Order;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.orders.internal.InventoryCommand;
import io.eventpipelines.temperature.SensorThreshold;
import io.eventpipelines.temperature.TemperatureAlert;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureStats;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.temperature.internal.TemperatureAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.Topology;

/** The pipelines one jar declares; each runs as its own KafkaStreams instance with its own application id. */
public enum Pipeline {
    TEMPERATURE,
    LOGS,
    INVENTORY,
    NOTIFICATIONS;

    /** The name used in {@code pipelines=}, in application ids and in dead-letter topic names. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String deadLetterTopic() {
        return id() + "-dlq";
    }

    /** The topics this pipeline reads, with their value types: they must exist before it starts. */
    public Map<String, Class<? extends SpecificRecord>> inputs() {
        return switch (this) {
            case TEMPERATURE ->
                orderedMap(
                        TemperatureTopology.READINGS_TOPIC,
                        TemperatureReading.class,
                        TemperatureTopology.THRESHOLDS_TOPIC,
                        SensorThreshold.class);
            case LOGS -> Map.of(LogRoutingTopology.APP_LOGS_TOPIC, LogEvent.class);
            case INVENTORY ->
                orderedMap(
                        InventoryTopology.ORDERS_TOPIC, Order.class, InventoryTopology.RESTOCKS_TOPIC, Restock.class);
            case NOTIFICATIONS -> Map.of(InventoryTopology.ORDERS_TOPIC, Order.class);
        };
    }

    /** The topics this pipeline writes records of the data contract to, with their value types (the DLQ aside). */
    public Map<String, Class<? extends SpecificRecord>> outputs() {
        return switch (this) {
            case TEMPERATURE ->
                orderedMap(
                        TemperatureTopology.ALERTS_TOPIC,
                        TemperatureAlert.class,
                        TemperatureTopology.STATS_TOPIC,
                        TemperatureStats.class);
            case LOGS -> {
                Map<String, Class<? extends SpecificRecord>> outputs = new LinkedHashMap<>();
                LogRoutingTopology.routedTopics().forEach(topic -> outputs.put(topic, LogEvent.class));
                outputs.put(LogRoutingTopology.ERROR_RATES_TOPIC, ServiceErrorRate.class);
                yield outputs;
            }
            case INVENTORY -> Map.of(InventoryTopology.UPDATES_TOPIC, InventoryUpdate.class);
            case NOTIFICATIONS -> Map.of(NotificationTopology.NOTIFICATIONS_TOPIC, Notification.class);
        };
    }

    /** Kafka Streams' internal topics whose values go through the registry, named as Kafka Streams names them. */
    public Map<String, Class<? extends SpecificRecord>> internalTopics(String applicationIdPrefix) {
        String prefix = applicationIdPrefix + "-" + id() + "-";
        return switch (this) {
            case TEMPERATURE ->
                orderedMap(
                        prefix + TemperatureTopology.THRESHOLDS_STORE + "-changelog",
                        SensorThreshold.class,
                        prefix + TemperatureTopology.STATS_STORE + "-changelog",
                        TemperatureAggregate.class);
            case LOGS -> Map.of(prefix + LogRoutingTopology.ERRORS_BY_SERVICE + "-repartition", LogEvent.class);
            case INVENTORY ->
                Map.of(prefix + InventoryTopology.COMMANDS_BY_PRODUCT + "-repartition", InventoryCommand.class);
            case NOTIFICATIONS -> Map.of();
        };
    }

    /** Inputs read as tables (latest value per key): created compacted, so a key's last value is never deleted. */
    public static boolean isTableTopic(String topic) {
        return topic.equals(TemperatureTopology.THRESHOLDS_TOPIC);
    }

    public List<String> inputTopics() {
        return List.copyOf(inputs().keySet());
    }

    /** The topics this pipeline writes, its dead-letter topic included. */
    public List<String> outputTopics() {
        List<String> topics = new ArrayList<>(outputs().keySet());
        topics.add(deadLetterTopic());
        return topics;
    }

    private static Map<String, Class<? extends SpecificRecord>> orderedMap(
            String k1, Class<? extends SpecificRecord> v1, String k2, Class<? extends SpecificRecord> v2) {
        Map<String, Class<? extends SpecificRecord>> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }

    /** The topology production runs: tests build it through here too. Its counters go to {@code meters}. */
    public Topology buildTopology(AppConfig config, AvroSerdes serdes, MeterRegistry meters) {
        var props = config.streamsProperties(this);
        return switch (this) {
            case TEMPERATURE ->
                TemperatureTopology.build(
                        props, serdes, config.thresholdCelsius(), config.temperatureStatsGrace(), meters);
            case LOGS -> LogRoutingTopology.build(props, serdes, config.errorRateGrace(), meters);
            case INVENTORY -> InventoryTopology.build(props, serdes, meters);
            case NOTIFICATIONS -> NotificationTopology.build(props, serdes);
        };
    }

    /** The topology alone, for describing it: its counters count nothing. */
    public Topology buildTopology(AppConfig config, AvroSerdes serdes) {
        return buildTopology(config, serdes, new SimpleMeterRegistry());
    }

    public static Optional<Pipeline> fromId(String id) {
        return Arrays.stream(values()).filter(p -> p.id().equals(id)).findFirst();
    }

    public static String allIds() {
        return Arrays.stream(values()).map(Pipeline::id).collect(Collectors.joining(","));
    }
}
