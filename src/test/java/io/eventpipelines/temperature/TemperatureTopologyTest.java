package io.eventpipelines.temperature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.DeadLetters;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineTestDriver;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemperatureTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private PipelineTestDriver pipeline;
    private TestInputTopic<String, TemperatureReading> readings;
    private TestOutputTopic<String, TemperatureAlert> alerts;

    @BeforeEach
    void start() {
        open(Map.of());
    }

    private void open(Map<String, String> overrides) {
        pipeline = PipelineTestDriver.start(Pipeline.TEMPERATURE, overrides);
        readings = pipeline.input(TemperatureTopology.READINGS_TOPIC, TemperatureReading.class);
        alerts = pipeline.output(TemperatureTopology.ALERTS_TOPIC, TemperatureAlert.class);
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private static TemperatureReading reading(String sensorId, double celsius, String location) {
        return new TemperatureReading(sensorId, celsius, T0, location);
    }

    @Test
    void alertsJustAboveTheDefaultThresholdWithEveryField() {
        readings.pipeInput("s-1", reading("s-1", 30.1, "hall"));

        List<KeyValue<String, TemperatureAlert>> out = alerts.readKeyValuesToList();
        assertEquals(List.of(KeyValue.pair("s-1", new TemperatureAlert("s-1", 30.1, 30.0, T0, "hall"))), out);
    }

    @Test
    void noAlertAtExactlyTheThresholdOrBelow() {
        readings.pipeInput("s-1", reading("s-1", 30.0, null));
        readings.pipeInput("s-1", reading("s-1", 12.5, null));
        readings.pipeInput("s-1", reading("s-1", -40.0, null));
        assertTrue(alerts.isEmpty());
        assertTrue(pipeline.deadLetters().isEmpty());
    }

    @Test
    void thresholdComesFromConfiguration() {
        stop();
        open(Map.of("temperature.threshold.celsius", "25"));
        readings.pipeInput("s-2", reading("s-2", 25.0, null));
        readings.pipeInput("s-2", reading("s-2", 25.5, null));
        List<TemperatureAlert> out = alerts.readValuesToList();
        assertEquals(1, out.size());
        assertEquals(25.5, out.get(0).getCelsius());
        assertEquals(25.0, out.get(0).getThresholdCelsius());
    }

    @Test
    void aReadingNotKeyedByItsSensorIsDeadLettered() {
        readings.pipeInput((String) null, reading("s-9", 45.0, null));
        readings.pipeInput("s-8", reading("s-9", 45.0, null));
        List<TestRecord<byte[], byte[]>> dead = pipeline.deadLetters().readRecordsToList();
        assertEquals(2, dead.size());
        assertTrue(
                DeadLetters.header(dead.get(0).headers(), DeadLetters.MESSAGE).contains("has record key null"));
        assertTrue(
                DeadLetters.header(dead.get(1).headers(), DeadLetters.MESSAGE).contains("has record key 's-8'"));
        assertTrue(alerts.isEmpty(), "a sensor's threshold and windows are found by key: a wrong key would miss them");
        assertEquals(2.0, pipeline.deadLettersCounted("processing"));
    }

    @Test
    void aReadingFromMoreThanAMinuteAfterItsRecordIsDeadLetteredAsASkewedClock() {
        Instant producedAt = PipelineTestDriver.PRODUCED_AT;
        readings.pipeInput("s-1", new TemperatureReading("s-1", 40.0, producedAt.plusSeconds(61), null), producedAt);
        readings.pipeInput("s-1", new TemperatureReading("s-1", 41.0, producedAt.plusSeconds(60), null), producedAt);
        TestRecord<byte[], byte[]> dead = pipeline.deadLetters().readRecord();
        assertTrue(DeadLetters.header(dead.headers(), DeadLetters.MESSAGE).contains("the producer's clock is wrong"));
        assertEquals(producedAt, dead.getRecordTime(), "the dead letter keeps a timestamp the broker accepts");
        assertTrue(pipeline.deadLetters().isEmpty());
        assertEquals(
                List.of(41.0),
                alerts.readValuesToList().stream()
                        .map(TemperatureAlert::getCelsius)
                        .toList(),
                "a minute ahead is tolerated");
    }

    @Test
    void alertsAreCounted() {
        readings.pipeInput("s-1", reading("s-1", 31.0, null));
        readings.pipeInput("s-1", reading("s-1", 29.0, null));
        readings.pipeInput("s-2", reading("s-2", 35.0, null));
        assertEquals(2, alerts.readValuesToList().size());
        assertEquals(2.0, pipeline.count(TemperatureTopology.ALERTS_METER, "pipeline", "temperature"));
    }

    @Test
    void aSensorThresholdOverridesTheDefaultForThatSensorOnly() {
        thresholds().pipeInput("s-1", new SensorThreshold("s-1", 20.0));
        readings.pipeInput("s-1", reading("s-1", 25.0, null));
        readings.pipeInput("s-2", reading("s-2", 25.0, null));
        assertEquals(
                List.of(KeyValue.pair("s-1", new TemperatureAlert("s-1", 25.0, 20.0, T0, null))),
                alerts.readKeyValuesToList());
    }

    @Test
    void aHigherSensorThresholdSilencesReadingsTheDefaultWouldAlertOn() {
        thresholds().pipeInput("s-1", new SensorThreshold("s-1", 50.0));
        readings.pipeInput("s-1", reading("s-1", 45.0, null));
        readings.pipeInput("s-1", reading("s-1", 50.5, null));
        assertEquals(
                List.of(50.5),
                alerts.readValuesToList().stream()
                        .map(TemperatureAlert::getCelsius)
                        .toList());
    }

    @Test
    void aThresholdAppliesToReadingsAfterItAndATombstoneRestoresTheDefault() {
        TestInputTopic<String, SensorThreshold> thresholds = thresholds();
        readings.pipeInput("s-1", reading("s-1", 25.0, null), T0);
        thresholds.pipeInput("s-1", new SensorThreshold("s-1", 20.0), T0.plusSeconds(1));
        readings.pipeInput("s-1", reading("s-1", 25.0, null), T0.plusSeconds(2));
        thresholds.pipeInput("s-1", (SensorThreshold) null, T0.plusSeconds(3));
        readings.pipeInput("s-1", reading("s-1", 25.0, null), T0.plusSeconds(4));
        readings.pipeInput("s-1", reading("s-1", 30.5, null), T0.plusSeconds(5));

        assertEquals(
                List.of(20.0, 30.0),
                alerts.readValuesToList().stream()
                        .map(TemperatureAlert::getThresholdCelsius)
                        .toList(),
                "only the reading between the threshold and its tombstone alerts at 20; the last one at the default");
        assertTrue(pipeline.deadLetters().isEmpty(), "a tombstone is a deletion, not a bad record");
    }

    @Test
    void anInvalidThresholdIsDeadLetteredAndChangesNothing() {
        TestInputTopic<String, SensorThreshold> thresholds = thresholds();
        thresholds.pipeInput("s-1", new SensorThreshold("s-1", Double.NaN));
        thresholds.pipeInput("s-1", new SensorThreshold("s-1", -300.0));
        thresholds.pipeInput("other", new SensorThreshold("s-1", 10.0));
        readings.pipeInput("s-1", reading("s-1", 25.0, null));

        List<TestRecord<byte[], byte[]>> dead = pipeline.deadLetters().readRecordsToList();
        assertEquals(3, dead.size());
        assertTrue(dead.stream()
                .allMatch(r -> TemperatureTopology.THRESHOLDS_TOPIC.equals(
                        DeadLetters.header(r.headers(), DeadLetters.TOPIC))));
        assertTrue(
                DeadLetters.header(dead.get(0).headers(), DeadLetters.MESSAGE).contains("not a temperature"));
        assertTrue(alerts.isEmpty(), "the default threshold still applies");
    }

    private TestInputTopic<String, SensorThreshold> thresholds() {
        return pipeline.input(TemperatureTopology.THRESHOLDS_TOPIC, SensorThreshold.class);
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -273.16, -1e9})
    void unphysicalReadingsGoToTheDeadLetterTopicNotToAlerts(double celsius) {
        TemperatureReading bad = reading("s-3", celsius, null);
        byte[] wire = pipeline.serdes
                .value(TemperatureReading.class)
                .serializer()
                .serialize(TemperatureTopology.READINGS_TOPIC, bad);
        pipeline.rawInput(TemperatureTopology.READINGS_TOPIC).pipeInput("s-3".getBytes(), wire);
        readings.pipeInput("s-3", reading("s-3", 31.0, null));

        TestRecord<byte[], byte[]> dead = pipeline.deadLetters().readRecord();
        assertArrayEquals(wire, dead.value(), "the DLQ keeps the original bytes");
        assertArrayEquals("s-3".getBytes(), dead.key());
        assertEquals(
                IllegalArgumentException.class.getName(), DeadLetters.header(dead.headers(), DeadLetters.EXCEPTION));
        assertTrue(DeadLetters.header(dead.headers(), DeadLetters.MESSAGE).contains("not a physical temperature"));
        assertEquals(TemperatureTopology.READINGS_TOPIC, DeadLetters.header(dead.headers(), DeadLetters.TOPIC));
        assertEquals("0", DeadLetters.header(dead.headers(), DeadLetters.OFFSET));
        assertTrue(pipeline.deadLetters().isEmpty());
        assertEquals(
                List.of(31.0),
                alerts.readValuesToList().stream()
                        .map(TemperatureAlert::getCelsius)
                        .toList(),
                "the good reading after the bad one still alerts");
    }

    @Test
    void absoluteZeroIsPhysical() {
        readings.pipeInput("s-4", reading("s-4", TemperatureTopology.ABSOLUTE_ZERO_CELSIUS, null));
        assertTrue(pipeline.deadLetters().isEmpty());
        assertTrue(alerts.isEmpty());
    }

    @Test
    void aNullValueIsDeadLettered() {
        readings.pipeInput("s-5", (TemperatureReading) null);
        TestRecord<byte[], byte[]> dead = pipeline.deadLetters().readRecord();
        assertTrue(DeadLetters.header(dead.headers(), DeadLetters.MESSAGE).contains("null record value"));
        assertTrue(alerts.isEmpty());
    }
}
