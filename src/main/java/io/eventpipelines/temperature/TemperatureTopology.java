package io.eventpipelines.temperature;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.streams.Counted;
import io.eventpipelines.streams.EmitFinal;
import io.eventpipelines.streams.EventTime;
import io.eventpipelines.streams.PipelineTopics;
import io.eventpipelines.streams.TraceContext;
import io.eventpipelines.streams.TraceContext.Cause;
import io.eventpipelines.streams.TraceContext.Traced;
import io.eventpipelines.streams.Validation;
import io.eventpipelines.temperature.internal.TemperatureAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Temperature readings, keyed by sensorId:
 * <ul>
 *   <li>one {@link TemperatureAlert} for every reading strictly above its sensor's threshold: the sensor's entry in
 *   the compacted {@code sensor-thresholds} topic, joined as a table, else the default threshold. A threshold
 *   applies to the readings processed after it; a tombstone restores the default.
 *   <li>one {@link TemperatureStats} per sensor and 1-minute tumbling window, emitted once when the window closes
 *   (its end plus the grace period, in stream time), in event time: the reading's own timestamp. A reading later than that is dropped and counted in Kafka
 *   Streams' {@code dropped-records} metric.
 * </ul>
 * A reading that cannot be a real temperature (NaN, infinite, below absolute zero), a null value, a record whose
 * key is not the reading's sensorId, a reading whose timestamp is implausible ({@link EventTime#requirePlausible}),
 * and an invalid threshold are rejected by throwing from a {@code validate-*}
 * step: the processing exception handler then writes the source record to the pipeline's dead-letter topic with
 * the reason in its headers, and processing goes on.
 */
public final class TemperatureTopology {
    public static final String READINGS_TOPIC = "temperature-readings";
    public static final String ALERTS_TOPIC = "temperature-alerts";
    public static final String THRESHOLDS_TOPIC = "sensor-thresholds";
    public static final String STATS_TOPIC = "temperature-stats";
    /** The thresholds table; its changelog is {@code <application.id>-sensor-thresholds-store-changelog}. */
    public static final String THRESHOLDS_STORE = "sensor-thresholds-store";
    /** The window store; its changelog is {@code <application.id>-temperature-stats-store-changelog}. */
    public static final String STATS_STORE = "temperature-stats-store";

    /** What this topology reads and writes; its internal topics with Avro values are its two stores' changelogs. */
    public static final PipelineTopics TOPICS = PipelineTopics.builder()
            .input(READINGS_TOPIC, TemperatureReading.class)
            .table(THRESHOLDS_TOPIC, SensorThreshold.class)
            .output(ALERTS_TOPIC, TemperatureAlert.class)
            .output(STATS_TOPIC, TemperatureStats.class)
            .internal(PipelineTopics.changelog(THRESHOLDS_STORE), SensorThreshold.class)
            .internal(PipelineTopics.changelog(STATS_STORE), TemperatureAggregate.class)
            .build();

    public static final Duration STATS_WINDOW = Duration.ofMinutes(1);
    public static final Duration DEFAULT_STATS_GRACE = Duration.ofSeconds(10);
    public static final double ABSOLUTE_ZERO_CELSIUS = -273.15;
    public static final double DEFAULT_THRESHOLD_CELSIUS = 30.0;
    /** Alerts raised, as {@code eventpipelines_temperature_alerts_total} in Prometheus. */
    public static final String ALERTS_METER = "eventpipelines.temperature.alerts";

    private TemperatureTopology() {}

    /**
     * @param streamsConfig    the pipeline's Kafka Streams configuration (naming and optimization settings apply)
     * @param serdes           value serdes bound to the Schema Registry
     * @param thresholdCelsius readings strictly above this raise an alert, unless their sensor has its own threshold
     * @param statsGrace       how long after a window's end its late readings are still counted
     * @param meters           where the alert counter lives
     */
    public static Topology build(
            Properties streamsConfig,
            AvroSerdes serdes,
            double thresholdCelsius,
            Duration statsGrace,
            MeterRegistry meters) {
        Serde<TemperatureReading> readingSerde = serdes.value(TemperatureReading.class);
        Serde<SensorThreshold> thresholdSerde = serdes.value(SensorThreshold.class);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsConfig)));

        KStream<String, TemperatureReading> readings = builder.stream(
                        READINGS_TOPIC,
                        Consumed.with(Serdes.String(), readingSerde).withName("temperature-readings-source"))
                .processValues(Validation.of(TemperatureTopology::requireValid), Named.as("validate-reading"));

        KTable<String, SensorThreshold> thresholds = builder.stream(
                        THRESHOLDS_TOPIC,
                        Consumed.with(Serdes.String(), thresholdSerde).withName("sensor-thresholds-source"))
                .mapValues(TemperatureTopology::requireValid, Named.as("validate-threshold"))
                // In memory: the table holds one small entry per sensor with an override, and most readings look up
                // a sensor without one. In RocksDB (rocksdbjni 10.1) every such miss raises and catches a C++
                // exception inside the JNI call, which took a third of this pipeline's time. The changelog stays:
                // the table is restored from it on start. No cache in front of a map: every reading's lookup went
                // through both, and thresholds change too rarely for the cache to save changelog writes.
                .toTable(
                        Named.as("sensor-thresholds-table"),
                        Materialized.<String, SensorThreshold>as(Stores.inMemoryKeyValueStore(THRESHOLDS_STORE))
                                .withKeySerde(Serdes.String())
                                .withValueSerde(thresholdSerde)
                                .withCachingDisabled());

        readings.leftJoin(
                        thresholds,
                        (reading, threshold) -> alertIfAbove(reading, threshold, thresholdCelsius),
                        Joined.with(Serdes.String(), readingSerde, thresholdSerde)
                                .withName("join-sensor-threshold"))
                .filter((sensorId, alert) -> alert != null, Named.as("above-threshold"))
                .processValues(
                        Counted.by(Counted.counter(
                                meters,
                                ALERTS_METER,
                                "Temperature alerts raised: readings above their sensor's threshold",
                                "pipeline",
                                "temperature")),
                        Named.as("count-alerts"))
                .to(
                        ALERTS_TOPIC,
                        Produced.with(Serdes.String(), serdes.value(TemperatureAlert.class))
                                .withName("temperature-alerts-sink"));

        readings.processValues(EventTime.stamp(TemperatureReading::getTimestamp), Named.as("to-event-time"))
                .processValues(TraceContext.attached(), Named.as("attach-reading-trace"))
                // Keyed by sensorId since the input: grouping repartitions nothing, so the traced values need no serde.
                .groupByKey(Grouped.<String, Traced<TemperatureReading>>as("readings-by-sensor")
                        .withKeySerde(Serdes.String()))
                .windowedBy(TimeWindows.ofSizeAndGrace(STATS_WINDOW, statsGrace))
                // Emit-final (KIP-825) rather than suppress(): one result per window as soon as stream time
                // closes it, without waiting for a cache flush and without a second buffer and changelog.
                .emitStrategy(EmitStrategy.onWindowClose())
                .aggregate(
                        TemperatureTopology::emptyAggregate,
                        (sensorId, reading, aggregate) -> add(aggregate, reading),
                        Named.as("aggregate-stats"),
                        Materialized.<String, TemperatureAggregate, WindowStore<Bytes, byte[]>>as(STATS_STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(serdes.value(TemperatureAggregate.class))
                                .withRetention(EmitFinal.retention(STATS_WINDOW, statsGrace)))
                .toStream(Named.as("stats-to-stream"))
                // Emitted when a later reading closes the window: its trace is not this result's cause.
                .processValues(TraceContext.singleCause(TemperatureTopology::cause), Named.as("stats-trace"))
                .map(
                        (window, aggregate) -> KeyValue.pair(window.key(), toStats(window, aggregate)),
                        Named.as("to-stats"))
                .to(
                        STATS_TOPIC,
                        Produced.with(Serdes.String(), serdes.value(TemperatureStats.class))
                                .withName("temperature-stats-sink"));
        return builder.build(streamsConfig);
    }

    static TemperatureReading requireValid(String key, TemperatureReading reading, long recordTimestamp) {
        if (reading == null) {
            throw new IllegalArgumentException("temperature reading has no value (null record value)");
        }
        double celsius = reading.getCelsius();
        if (Double.isNaN(celsius) || Double.isInfinite(celsius) || celsius < ABSOLUTE_ZERO_CELSIUS) {
            throw new IllegalArgumentException("reading of sensor '" + reading.getSensorId() + "' has celsius="
                    + celsius + ", which is not a physical temperature (must be finite and >= "
                    + ABSOLUTE_ZERO_CELSIUS + ")");
        }
        if (!Objects.equals(key, reading.getSensorId())) {
            // A sensor's readings, its threshold and its windows meet only if every reading is keyed by its sensor.
            throw new IllegalArgumentException("reading of sensor '" + reading.getSensorId() + "' has record key "
                    + (key == null ? "null" : "'" + key + "'") + "; " + READINGS_TOPIC + " must be keyed by sensorId");
        }
        EventTime.requirePlausible(
                reading.getTimestamp(), recordTimestamp, "reading of sensor '" + reading.getSensorId() + "'");
        return reading;
    }

    /** A tombstone passes: it removes the sensor's override. */
    static SensorThreshold requireValid(String key, SensorThreshold threshold) {
        if (threshold == null) {
            return null;
        }
        double celsius = threshold.getThresholdCelsius();
        if (!Double.isFinite(celsius) || celsius < ABSOLUTE_ZERO_CELSIUS) {
            throw new IllegalArgumentException("threshold of sensor '" + threshold.getSensorId() + "' is " + celsius
                    + ", which is not a temperature (must be finite and >= " + ABSOLUTE_ZERO_CELSIUS + ")");
        }
        if (!Objects.equals(key, threshold.getSensorId())) {
            throw new IllegalArgumentException("threshold of sensor '" + threshold.getSensorId() + "' has record key "
                    + (key == null ? "null" : "'" + key + "'") + "; " + THRESHOLDS_TOPIC
                    + " must be keyed by sensorId");
        }
        return threshold;
    }

    static TemperatureAlert alertIfAbove(
            TemperatureReading reading, SensorThreshold override, double defaultThreshold) {
        double threshold = override == null ? defaultThreshold : override.getThresholdCelsius();
        if (reading.getCelsius() <= threshold) {
            return null;
        }
        return TemperatureAlert.newBuilder()
                .setSensorId(reading.getSensorId())
                .setCelsius(reading.getCelsius())
                .setThresholdCelsius(threshold)
                .setReadingTimestamp(reading.getTimestamp())
                .setLocation(reading.getLocation())
                .build();
    }

    static TemperatureAggregate emptyAggregate() {
        return new TemperatureAggregate(0L, 0.0, 0.0, 0.0, null, null);
    }

    /**
     * min and max start from the first reading, not from 0: a window of only negative readings has max < 0. The
     * first reading's trace context is kept while it is the only one.
     */
    static TemperatureAggregate add(TemperatureAggregate aggregate, Traced<TemperatureReading> traced) {
        double celsius = traced.value().getCelsius();
        if (aggregate.getCount() == 0) {
            Cause cause = traced.cause();
            return new TemperatureAggregate(
                    1L,
                    celsius,
                    celsius,
                    celsius,
                    cause == null ? null : cause.traceparent(),
                    cause == null ? null : cause.tracestate());
        }
        return new TemperatureAggregate(
                aggregate.getCount() + 1,
                aggregate.getSumCelsius() + celsius,
                Math.min(aggregate.getMinCelsius(), celsius),
                Math.max(aggregate.getMaxCelsius(), celsius),
                null,
                null);
    }

    /** The trace context of a window's only reading; null when it had several, or none with a trace. */
    static Cause cause(TemperatureAggregate aggregate) {
        return Cause.of(aggregate.getTraceparent(), aggregate.getTracestate());
    }

    static TemperatureStats toStats(Windowed<String> window, TemperatureAggregate aggregate) {
        return TemperatureStats.newBuilder()
                .setSensorId(window.key())
                .setWindowStart(Instant.ofEpochMilli(window.window().start()))
                .setWindowEnd(Instant.ofEpochMilli(window.window().end()))
                .setCount(aggregate.getCount())
                .setMinCelsius(aggregate.getMinCelsius())
                .setMaxCelsius(aggregate.getMaxCelsius())
                .setAvgCelsius(aggregate.getSumCelsius() / aggregate.getCount())
                .build();
    }
}
