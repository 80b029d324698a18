package io.eventpipelines.temperature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

class ThresholdSimulatorTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void theSameSeedGivesTheSameThresholds() {
        assertEquals(thresholds(7, 50), thresholds(7, 50));
    }

    @Test
    void everyThresholdIsValidForOneOfTheSimulatedSensorsAndSpansTheDefault() {
        Set<String> sensors = new HashSet<>();
        ReadingSimulator readings = new ReadingSimulator(1, ReadingSimulator.DEFAULT_SENSORS);
        for (int i = 0; i < 2_000; i++) {
            sensors.add(readings.next(NOW).key);
        }
        boolean below = false;
        boolean above = false;
        for (KeyValue<String, SensorThreshold> threshold : thresholds(3, 500)) {
            assertSame(threshold.value, TemperatureTopology.requireValid(threshold.key, threshold.value));
            assertTrue(sensors.contains(threshold.key), threshold.key);
            double celsius = threshold.value.getThresholdCelsius();
            assertTrue(celsius >= 24.0 && celsius <= 34.0, () -> "threshold " + celsius);
            below |= celsius < TemperatureTopology.DEFAULT_THRESHOLD_CELSIUS;
            above |= celsius > TemperatureTopology.DEFAULT_THRESHOLD_CELSIUS;
        }
        assertTrue(below && above, "some sensors alert below the default threshold, some above it");
    }

    private static List<KeyValue<String, SensorThreshold>> thresholds(long seed, int count) {
        ThresholdSimulator simulator = new ThresholdSimulator(seed, ReadingSimulator.DEFAULT_SENSORS);
        List<KeyValue<String, SensorThreshold>> thresholds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            thresholds.add(simulator.next(NOW));
        }
        return thresholds;
    }
}
