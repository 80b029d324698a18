package io.eventpipelines.temperature;

import java.time.Instant;
import java.util.Random;
import org.apache.kafka.streams.KeyValue;

/**
 * Simulated operators tuning alerts: each record gives one of the {@link ReadingSimulator}'s sensors a threshold of
 * its own, between 24 and 34 °C in half degrees, so that some sensors alert below the default threshold and some
 * above it. The same seed gives the same thresholds.
 */
public final class ThresholdSimulator {
    private final Random random;
    private final int sensors;

    public ThresholdSimulator(long seed, int sensors) {
        if (sensors <= 0) {
            throw new IllegalArgumentException("sensors must be > 0");
        }
        this.random = new Random(seed);
        this.sensors = sensors;
    }

    /** The next threshold, keyed by sensorId as {@code sensor-thresholds} must be. */
    public KeyValue<String, SensorThreshold> next(Instant now) {
        String sensorId = ReadingSimulator.sensorId(random.nextInt(sensors));
        double celsius = 24.0 + random.nextInt(21) * 0.5;
        return KeyValue.pair(sensorId, new SensorThreshold(sensorId, celsius));
    }
}
