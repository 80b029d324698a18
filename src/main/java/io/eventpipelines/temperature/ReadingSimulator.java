package io.eventpipelines.temperature;

import java.time.Instant;
import java.util.Locale;
import java.util.Random;
import org.apache.kafka.streams.KeyValue;

/**
 * Simulated sensors: each drifts around its own base temperature, with an occasional spike above the
 * default alert threshold. The same seed gives the same readings.
 */
public final class ReadingSimulator {
    private static final String[] LOCATIONS = {"hall", "server-room", "kitchen", "warehouse", "office", "lab"};
    private static final double SPIKE_PROBABILITY = 0.02;
    /** How many sensors the {@code temperature} and {@code thresholds} scenarios simulate. */
    public static final int DEFAULT_SENSORS = 20;

    private final Random random;
    private final String[] sensorIds;
    private final String[] locations;
    private final double[] base;
    private final double[] current;

    public ReadingSimulator(long seed, int sensors) {
        if (sensors <= 0) {
            throw new IllegalArgumentException("sensors must be > 0");
        }
        this.random = new Random(seed);
        this.sensorIds = new String[sensors];
        this.locations = new String[sensors];
        this.base = new double[sensors];
        this.current = new double[sensors];
        for (int i = 0; i < sensors; i++) {
            sensorIds[i] = sensorId(i);
            locations[i] = LOCATIONS[i % LOCATIONS.length];
            base[i] = 17.0 + random.nextDouble() * 9.0;
            current[i] = base[i];
        }
    }

    /** The id of sensor {@code index} (from 0): {@code sensor-001}, {@code sensor-002}, ... */
    public static String sensorId(int index) {
        return String.format(Locale.ROOT, "sensor-%03d", index + 1);
    }

    /** The next reading, keyed by sensorId. */
    public KeyValue<String, TemperatureReading> next(Instant now) {
        int i = random.nextInt(sensorIds.length);
        // A mean-reverting walk: small steps, pulled back towards the sensor's base.
        current[i] += random.nextGaussian() * 0.3 + (base[i] - current[i]) * 0.1;
        double celsius = current[i];
        if (random.nextDouble() < SPIKE_PROBABILITY) {
            celsius = base[i] + 8.0 + random.nextDouble() * 10.0;
        }
        celsius = Math.round(celsius * 100.0) / 100.0;
        return KeyValue.pair(sensorIds[i], new TemperatureReading(sensorIds[i], celsius, now, locations[i]));
    }
}
