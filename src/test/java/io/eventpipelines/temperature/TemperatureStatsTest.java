package io.eventpipelines.temperature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineTestDriver;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-sensor 1-minute statistics on {@code temperature-stats}: event time, grace, one result per closed window. */
class TemperatureStatsTest {
    private static final Instant W0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant W1 = W0.plus(TemperatureTopology.STATS_WINDOW);
    private static final Instant W2 = W1.plus(TemperatureTopology.STATS_WINDOW);

    private PipelineTestDriver pipeline;
    private TestInputTopic<String, TemperatureReading> readings;
    private TestOutputTopic<String, TemperatureStats> stats;

    private void open(Map<String, String> overrides) {
        pipeline = PipelineTestDriver.start(Pipeline.TEMPERATURE, overrides);
        readings = pipeline.input(TemperatureTopology.READINGS_TOPIC, TemperatureReading.class);
        stats = pipeline.output(TemperatureTopology.STATS_TOPIC, TemperatureStats.class);
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /**
     * A reading taken at {@code at}, produced at noon: its record timestamp is later, so only re-stamping with
     * its event time can put it in the right window.
     */
    private void read(String sensorId, double celsius, Instant at) {
        readings.pipeInput(
                sensorId, new TemperatureReading(sensorId, celsius, at, null), PipelineTestDriver.PRODUCED_AT);
    }

    private static TemperatureStats stats(
            String sensorId, Instant start, long count, double min, double max, double avg) {
        return new TemperatureStats(
                sensorId, start, start.plus(TemperatureTopology.STATS_WINDOW), count, min, max, avg);
    }

    @Test
    void oneResultPerSensorWhenTheWindowClosesAfterItsGrace() {
        open(Map.of());
        read("s-1", 20.0, W0);
        read("s-1", 24.0, W0.plusSeconds(59));
        read("s-2", 10.0, W0.plusSeconds(30));
        read("s-1", 21.0, W1.plusSeconds(9));
        assertTrue(stats.isEmpty(), "stream time is 9 s past the window's end: inside the default 10 s grace");

        read("s-2", 11.0, W1.plusSeconds(10));
        assertEquals(
                List.of(
                        KeyValue.pair("s-1", stats("s-1", W0, 2, 20.0, 24.0, 22.0)),
                        KeyValue.pair("s-2", stats("s-2", W0, 1, 10.0, 10.0, 10.0))),
                stats.readKeyValuesToList());

        read("s-1", 22.0, W1.plusSeconds(20));
        read("s-1", 23.0, W2.plusSeconds(30));
        assertEquals(
                List.of(stats("s-1", W1, 2, 21.0, 22.0, 21.5), stats("s-2", W1, 1, 11.0, 11.0, 11.0)),
                stats.readValuesToList(),
                "each window once, and only when it closes");
    }

    @Test
    void allNegativeTemperatures() {
        open(Map.of());
        read("freezer", -18.5, W0.plusSeconds(1));
        read("freezer", -21.0, W0.plusSeconds(2));
        read("freezer", -19.5, W0.plusSeconds(3));
        read("freezer", -20.0, W1.plusSeconds(10));
        assertEquals(List.of(stats("freezer", W0, 3, -21.0, -18.5, -59.0 / 3)), stats.readValuesToList());
    }

    @Test
    void outOfOrderReadingsWithinTheGraceCountInTheirOwnWindow() {
        open(Map.of());
        read("s-1", 20.0, W0.plusSeconds(50));
        read("s-1", 30.0, W1.plusSeconds(5));
        read("s-1", 10.0, W0.plusSeconds(5));
        assertTrue(stats.isEmpty());
        read("s-1", 31.0, W1.plusSeconds(10));
        assertEquals(List.of(stats("s-1", W0, 2, 10.0, 20.0, 15.0)), stats.readValuesToList());
    }

    @Test
    void aReadingLaterThanTheGraceIsDroppedAndTheClosedWindowIsNotEmittedAgain() {
        open(Map.of());
        read("s-1", 20.0, W0.plusSeconds(10));
        read("s-1", 25.0, W1.plusSeconds(30));
        assertEquals(List.of(stats("s-1", W0, 1, 20.0, 20.0, 20.0)), stats.readValuesToList());

        read("s-1", 99.0, W0.plusSeconds(20));
        read("s-1", 26.0, W2.plusSeconds(10));
        assertEquals(
                List.of(stats("s-1", W1, 1, 25.0, 25.0, 25.0)),
                stats.readValuesToList(),
                "the late reading neither reopened W0 nor leaked into W1");
        assertTrue(pipeline.deadLetters().isEmpty(), "late is not poison: Kafka Streams counts it in dropped-records");
    }

    @Test
    void theGraceIsConfigurable() {
        open(Map.of("temperature.stats.grace.ms", "0"));
        read("s-1", 20.0, W0.plusSeconds(10));
        read("s-1", 21.0, W1);
        assertEquals(
                List.of(stats("s-1", W0, 1, 20.0, 20.0, 20.0)),
                stats.readValuesToList(),
                "with no grace the window closes as soon as stream time reaches its end");
    }

    @Test
    void windowsFollowTheReadingsTimestampNotTheRecordTimestamp() {
        open(Map.of());
        Instant producedAt = Instant.parse("2030-01-01T00:00:00Z");
        readings.pipeInput("s-1", new TemperatureReading("s-1", 20.0, W0.plusSeconds(1), null), producedAt);
        read("s-1", 21.0, W1.plusSeconds(11));
        assertEquals(List.of(stats("s-1", W0, 1, 20.0, 20.0, 20.0)), stats.readValuesToList());
    }
}
