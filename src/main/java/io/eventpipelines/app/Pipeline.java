package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryUpdate;
import io.eventpipelines.orders.Notification;
import io.eventpipelines.orders.Order;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.orders.internal.InventoryCommand;
import io.eventpipelines.temperature.TemperatureAlert;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.temperature.TemperatureTopology;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.Topology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

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
            case TEMPERATURE -> Map.of(TemperatureTopology.READINGS_TOPIC, TemperatureReading.class);
            case LOGS -> Map.of(LogRoutingTopology.APP_LOGS_TOPIC, LogEvent.class);
            case INVENTORY -> orderedMap(InventoryTopology.ORDERS_TOPIC, Order.class,
                    InventoryTopology.RESTOCKS_TOPIC, Restock.class);
            case NOTIFICATIONS -> Map.of(InventoryTopology.ORDERS_TOPIC, Order.class);
        };
    }

    /** The topics this pipeline writes records of the data contract to, with their value types (the DLQ aside). */
    public Map<String, Class<? extends SpecificRecord>> outputs() {
        return switch (this) {
            case TEMPERATURE -> Map.of(TemperatureTopology.ALERTS_TOPIC, TemperatureAlert.class);
            case LOGS -> {
                Map<String, Class<? extends SpecificRecord>> routes = new LinkedHashMap<>();
                LogRoutingTopology.outputTopics().forEach(topic -> routes.put(topic, LogEvent.class));
                yield routes;
            }
            case INVENTORY -> Map.of(InventoryTopology.UPDATES_TOPIC, InventoryUpdate.class);
            case NOTIFICATIONS -> Map.of(NotificationTopology.NOTIFICATIONS_TOPIC, Notification.class);
        };
    }

    /** Kafka Streams' internal topics whose values go through the registry, named as Kafka Streams names them. */
    public Map<String, Class<? extends SpecificRecord>> internalTopics(String applicationIdPrefix) {
        if (this != INVENTORY) {
            return Map.of();
        }
        return Map.of(applicationIdPrefix + "-" + id() + "-" + InventoryTopology.COMMANDS_BY_PRODUCT + "-repartition",
                InventoryCommand.class);
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

    private static Map<String, Class<? extends SpecificRecord>> orderedMap(String k1, Class<? extends SpecificRecord> v1,
                                                                          String k2, Class<? extends SpecificRecord> v2) {
        Map<String, Class<? extends SpecificRecord>> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }

    /** The topology production runs: tests build it through here too. */
    public Topology buildTopology(AppConfig config, AvroSerdes serdes) {
        var props = config.streamsProperties(this);
        return switch (this) {
            case TEMPERATURE -> TemperatureTopology.build(props, serdes, config.thresholdCelsius());
            case LOGS -> LogRoutingTopology.build(props, serdes);
            case INVENTORY -> InventoryTopology.build(props, serdes);
            case NOTIFICATIONS -> NotificationTopology.build(props, serdes);
        };
    }

    public static Optional<Pipeline> fromId(String id) {
        return Arrays.stream(values()).filter(p -> p.id().equals(id)).findFirst();
    }

    public static String allIds() {
        return Arrays.stream(values()).map(Pipeline::id).collect(Collectors.joining(","));
    }
}
