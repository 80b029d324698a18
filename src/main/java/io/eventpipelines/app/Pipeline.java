package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.temperature.TemperatureTopology;

import org.apache.kafka.streams.Topology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

    /** The topics this pipeline reads: they must exist before it starts. */
    public List<String> inputTopics() {
        return switch (this) {
            case TEMPERATURE -> List.of(TemperatureTopology.READINGS_TOPIC);
            case LOGS -> List.of(LogRoutingTopology.APP_LOGS_TOPIC);
            case INVENTORY -> List.of(InventoryTopology.ORDERS_TOPIC, InventoryTopology.RESTOCKS_TOPIC);
            case NOTIFICATIONS -> List.of(InventoryTopology.ORDERS_TOPIC);
        };
    }

    /** The topics this pipeline writes, its dead-letter topic included. */
    public List<String> outputTopics() {
        List<String> topics = new ArrayList<>(switch (this) {
            case TEMPERATURE -> List.of(TemperatureTopology.ALERTS_TOPIC);
            case LOGS -> LogRoutingTopology.outputTopics();
            case INVENTORY -> List.of(InventoryTopology.UPDATES_TOPIC);
            case NOTIFICATIONS -> List.of(NotificationTopology.NOTIFICATIONS_TOPIC);
        });
        topics.add(deadLetterTopic());
        return topics;
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
