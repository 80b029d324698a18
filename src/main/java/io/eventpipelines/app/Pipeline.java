package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.streams.PipelineTopics;
import io.eventpipelines.temperature.TemperatureTopology;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.Topology;

/**
 * The pipelines one jar declares; each runs as its own KafkaStreams instance with its own application id. A
 * pipeline is its topology's builder and the topics that builder declares: adding one is a new package and a line
 * here.
 */
public enum Pipeline {
    TEMPERATURE(
            TemperatureTopology.TOPICS,
            (props, config, serdes, meters) -> TemperatureTopology.build(
                    props, serdes, config.thresholdCelsius(), config.temperatureStatsGrace(), meters)),
    LOGS(
            LogRoutingTopology.TOPICS,
            (props, config, serdes, meters) ->
                    LogRoutingTopology.build(props, serdes, config.errorRateGrace(), meters)),
    INVENTORY(
            InventoryTopology.TOPICS,
            (props, config, serdes, meters) -> InventoryTopology.build(props, serdes, meters)),
    NOTIFICATIONS(
            NotificationTopology.TOPICS, (props, config, serdes, meters) -> NotificationTopology.build(props, serdes));

    /** How a pipeline's topology is built from its Kafka Streams properties and the app's settings. */
    @FunctionalInterface
    interface Builder {
        Topology build(Properties streamsProperties, AppConfig config, AvroSerdes serdes, MeterRegistry meters);
    }

    private final PipelineTopics topics;
    private final Builder builder;

    Pipeline(PipelineTopics topics, Builder builder) {
        this.topics = topics;
        this.builder = builder;
    }

    /** The name used in {@code pipelines=}, in application ids and in dead-letter topic names. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String deadLetterTopic() {
        return id() + "-dlq";
    }

    public PipelineTopics topics() {
        return topics;
    }

    /** The topics this pipeline reads, with their value types: they must exist before it starts. */
    public Map<String, Class<? extends SpecificRecord>> inputs() {
        return topics.inputs();
    }

    /** The topics this pipeline writes records of the data contract to, with their value types (the DLQ aside). */
    public Map<String, Class<? extends SpecificRecord>> outputs() {
        return topics.outputs();
    }

    /** Kafka Streams' internal topics whose values go through the registry, named as Kafka Streams names them. */
    public Map<String, Class<? extends SpecificRecord>> internalTopics(String applicationIdPrefix) {
        return topics.internalTopics(applicationIdPrefix + "-" + id());
    }

    /** Inputs read as tables (latest value per key): created compacted, so a key's last value is never deleted. */
    public static boolean isTableTopic(String topic) {
        return Arrays.stream(values())
                .anyMatch(pipeline -> pipeline.topics.tableTopics().contains(topic));
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

    /** The topology production runs: tests build it through here too. Its counters go to {@code meters}. */
    public Topology buildTopology(AppConfig config, AvroSerdes serdes, MeterRegistry meters) {
        return builder.build(config.streamsProperties(this), config, serdes, meters);
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
