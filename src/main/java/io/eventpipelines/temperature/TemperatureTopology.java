package io.eventpipelines.temperature;

import io.eventpipelines.avro.AvroSerdes;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

import java.util.Properties;

/**
 * Threshold alerts: one {@link TemperatureAlert} for every reading strictly above the threshold.
 *
 * <p>A reading that cannot be a real temperature (NaN, infinite, below absolute zero) or a null value
 * is rejected by throwing from {@code validate-reading}: the processing exception handler then writes the
 * source record to the pipeline's dead-letter topic with the reason in its headers, and processing goes on.
 */
public final class TemperatureTopology {
    public static final String READINGS_TOPIC = "temperature-readings";
    public static final String ALERTS_TOPIC = "temperature-alerts";
    public static final double ABSOLUTE_ZERO_CELSIUS = -273.15;
    public static final double DEFAULT_THRESHOLD_CELSIUS = 30.0;

    private TemperatureTopology() {
    }

    /**
     * @param streamsConfig the pipeline's Kafka Streams configuration (naming and optimization settings apply)
     * @param serdes        value serdes bound to the Schema Registry
     * @param thresholdCelsius readings strictly above this raise an alert
     */
    public static Topology build(Properties streamsConfig, AvroSerdes serdes, double thresholdCelsius) {
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsConfig)));
        builder.stream(READINGS_TOPIC, Consumed.with(Serdes.String(), serdes.value(TemperatureReading.class))
                        .withName("temperature-readings-source"))
                .mapValues(TemperatureTopology::requirePhysical, Named.as("validate-reading"))
                .filter((sensorId, reading) -> reading.getCelsius() > thresholdCelsius, Named.as("above-threshold"))
                .map((key, reading) -> KeyValue.pair(reading.getSensorId(), toAlert(reading, thresholdCelsius)),
                        Named.as("to-alert"))
                .to(ALERTS_TOPIC, Produced.with(Serdes.String(), serdes.value(TemperatureAlert.class))
                        .withName("temperature-alerts-sink"));
        return builder.build(streamsConfig);
    }

    static TemperatureReading requirePhysical(TemperatureReading reading) {
        if (reading == null) {
            throw new IllegalArgumentException("temperature reading has no value (null record value)");
        }
        double celsius = reading.getCelsius();
        if (Double.isNaN(celsius) || Double.isInfinite(celsius) || celsius < ABSOLUTE_ZERO_CELSIUS) {
            throw new IllegalArgumentException("reading of sensor '" + reading.getSensorId() + "' has celsius="
                    + celsius + ", which is not a physical temperature (must be finite and >= "
                    + ABSOLUTE_ZERO_CELSIUS + ")");
        }
        return reading;
    }

    static TemperatureAlert toAlert(TemperatureReading reading, double thresholdCelsius) {
        return TemperatureAlert.newBuilder()
                .setSensorId(reading.getSensorId())
                .setCelsius(reading.getCelsius())
                .setThresholdCelsius(thresholdCelsius)
                .setReadingTimestamp(reading.getTimestamp())
                .setLocation(reading.getLocation())
                .build();
    }
}
