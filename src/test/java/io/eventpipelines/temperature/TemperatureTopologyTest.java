package io.eventpipelines.temperature;

import io.eventpipelines.app.DeadLetters;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineTestDriver;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void alertIsKeyedBySensorIdFromTheReading() {
        readings.pipeInput((String) null, reading("s-9", 45.0, null));
        assertEquals("s-9", alerts.readKeyValue().key);
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -273.16, -1e9})
    void unphysicalReadingsGoToTheDeadLetterTopicNotToAlerts(double celsius) {
        TemperatureReading bad = reading("s-3", celsius, null);
        byte[] wire = pipeline.serdes.value(TemperatureReading.class).serializer()
                .serialize(TemperatureTopology.READINGS_TOPIC, bad);
        pipeline.rawInput(TemperatureTopology.READINGS_TOPIC).pipeInput("s-3".getBytes(), wire);
        readings.pipeInput("s-3", reading("s-3", 31.0, null));

        TestRecord<byte[], byte[]> dead = pipeline.deadLetters().readRecord();
        assertArrayEquals(wire, dead.value(), "the DLQ keeps the original bytes");
        assertArrayEquals("s-3".getBytes(), dead.key());
        assertEquals(IllegalArgumentException.class.getName(), DeadLetters.header(dead.headers(), DeadLetters.EXCEPTION));
        assertTrue(DeadLetters.header(dead.headers(), DeadLetters.MESSAGE).contains("not a physical temperature"));
        assertEquals(TemperatureTopology.READINGS_TOPIC, DeadLetters.header(dead.headers(), DeadLetters.TOPIC));
        assertEquals("0", DeadLetters.header(dead.headers(), DeadLetters.OFFSET));
        assertTrue(pipeline.deadLetters().isEmpty());
        assertEquals(List.of(31.0), alerts.readValuesToList().stream().map(TemperatureAlert::getCelsius).toList(),
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
