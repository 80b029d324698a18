package io.eventpipelines.app;

import io.eventpipelines.streams.Counted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;

/**
 * Counts the records the exception handlers send to a pipeline's dead-letter topic, as
 * {@code eventpipelines_dead_letter_records_total{pipeline=..., stage=deserialization|processing}}. Kafka Streams
 * instantiates the handlers from their class names, so the instance's registry reaches them through the Streams
 * configuration, under {@link #REGISTRY_CONFIG}; without one (a bare TopologyTestDriver) nothing is exported.
 * Counted when a handler hands the dead letter over, outside the transaction that writes it: under exactly-once
 * a dead letter of an aborted transaction stays counted and is counted again when its record is reprocessed.
 */
final class DeadLetterCounter {
    static final String METER = "eventpipelines.dead.letter.records";
    /** Streams configuration entry holding the {@link MeterRegistry}; not a Kafka setting, so no client reads it. */
    static final String REGISTRY_CONFIG = "eventpipelines.meter.registry";
    /** Streams configuration entry holding the pipeline id, set by {@link AppConfig#streamsProperties}. */
    static final String PIPELINE_CONFIG = "eventpipelines.pipeline";

    private DeadLetterCounter() {}

    static Counter from(Map<String, ?> configs, String stage) {
        MeterRegistry registry =
                configs.get(REGISTRY_CONFIG) instanceof MeterRegistry given ? given : new SimpleMeterRegistry();
        Object pipeline = configs.get(PIPELINE_CONFIG);
        return Counted.counter(
                registry,
                METER,
                "Records sent to the pipeline's dead-letter topic, by the stage that rejected them",
                "pipeline",
                pipeline == null ? "unknown" : pipeline.toString(),
                "stage",
                stage);
    }
}
