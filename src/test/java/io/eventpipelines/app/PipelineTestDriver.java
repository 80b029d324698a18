package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.MockSchemaRegistry;
import io.eventpipelines.testing.TestFiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * A {@link TopologyTestDriver} over the production topology and Kafka Streams configuration of one pipeline,
 * built through {@link AppConfig} and {@link Pipeline} exactly as {@code run} builds them, with the real Avro
 * serde against a {@code mock://} registry private to this driver.
 */
public final class PipelineTestDriver implements AutoCloseable {
    public final AppConfig config;
    public final AvroSerdes serdes;
    /**
     * When the test topics' records were produced, unless a test says otherwise: after every event time the
     * tests use, since a reading from more than a minute after its record is rejected as a skewed clock.
     */
    public static final Instant PRODUCED_AT = Instant.parse("2026-11-22T12:00:00Z");

    public final TopologyTestDriver driver;
    /** The instance's registry as {@code run} has it: the topology's counters and the dead-letter counter. */
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private final Pipeline pipeline;
    private final String scope;
    private final Path stateDir;

    private PipelineTestDriver(Pipeline pipeline, Map<String, String> overrides) {
        this.pipeline = pipeline;
        this.scope = "test-" + UUID.randomUUID();
        try {
            this.stateDir = Files.createTempDirectory("event-pipelines-ttd");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> values = new HashMap<>();
        values.put("bootstrap.servers", "unused:9092");
        values.put("schema.registry.url", "mock://" + scope);
        values.put("state.dir", stateDir.toString());
        values.put("pipelines", pipeline.id());
        values.putAll(overrides);
        this.config = AppConfig.of(values);
        this.serdes = new AvroSerdes(config.serdeConfig());
        Properties properties = config.streamsProperties(pipeline);
        properties.put(DeadLetterCounter.REGISTRY_CONFIG, meters);
        this.driver = new TopologyTestDriver(pipeline.buildTopology(config, serdes, meters), properties);
    }

    public static PipelineTestDriver start(Pipeline pipeline) {
        return new PipelineTestDriver(pipeline, Map.of());
    }

    public static PipelineTestDriver start(Pipeline pipeline, Map<String, String> overrides) {
        return new PipelineTestDriver(pipeline, overrides);
    }

    public <V extends SpecificRecord> TestInputTopic<String, V> input(String topic, Class<V> type) {
        Serde<V> serde = serdes.value(type);
        return driver.createInputTopic(topic, new StringSerializer(), serde.serializer(), PRODUCED_AT, Duration.ZERO);
    }

    public <V extends SpecificRecord> TestOutputTopic<String, V> output(String topic, Class<V> type) {
        Serde<V> serde = serdes.value(type);
        return driver.createOutputTopic(topic, new StringDeserializer(), serde.deserializer());
    }

    /** Bytes as they are on the wire, for poison records and for checking what the app wrote. */
    public TestInputTopic<byte[], byte[]> rawInput(String topic) {
        return driver.createInputTopic(
                topic, new ByteArraySerializer(), new ByteArraySerializer(), PRODUCED_AT, Duration.ZERO);
    }

    public TestOutputTopic<byte[], byte[]> deadLetters() {
        return driver.createOutputTopic(
                pipeline.deadLetterTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The count of a counter the pipeline registered, 0 if it has not registered it. */
    public double count(String meter, String... tags) {
        Counter counter = meters.find(meter).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The dead-letter records counted for this pipeline at {@code stage} (deserialization or processing). */
    public double deadLettersCounted(String stage) {
        return count(DeadLetterCounter.METER, "pipeline", pipeline.id(), "stage", stage);
    }

    @Override
    public void close() {
        try {
            driver.close();
        } finally {
            MockSchemaRegistry.dropScope(scope);
            TestFiles.deleteRecursively(stateDir);
        }
    }
}
