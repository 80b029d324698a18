package io.eventpipelines.app.cli;

import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.logs.LogSimulator;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.OrderSimulator;
import io.eventpipelines.temperature.ReadingSimulator;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.temperature.ThresholdSimulator;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;

/** The simulated input of one scenario: which topic it feeds and its next record. */
public enum Simulation {
    TEMPERATURE(
            TemperatureTopology.READINGS_TOPIC,
            seed -> new ReadingSimulator(seed, ReadingSimulator.DEFAULT_SENSORS)::next),
    THRESHOLDS(
            TemperatureTopology.THRESHOLDS_TOPIC,
            seed -> new ThresholdSimulator(seed, ReadingSimulator.DEFAULT_SENSORS)::next),
    LOGS(LogRoutingTopology.APP_LOGS_TOPIC, seed -> new LogSimulator(seed)::next),
    ORDERS(
            InventoryTopology.ORDERS_TOPIC,
            seed -> new OrderSimulator(seed, OrderSimulator.DEFAULT_PRODUCTS)::nextOrder),
    RESTOCKS(
            InventoryTopology.RESTOCKS_TOPIC,
            seed -> new OrderSimulator(seed, OrderSimulator.DEFAULT_PRODUCTS)::nextRestock);

    private final String topic;
    private final LongFunction<Function<Instant, KeyValue<String, ? extends SpecificRecord>>> sources;

    Simulation(String topic, LongFunction<Function<Instant, KeyValue<String, ? extends SpecificRecord>>> sources) {
        this.topic = topic;
        this.sources = sources;
    }

    public String topic() {
        return topic;
    }

    /** A reproducible record source: the same seed gives the same records (timestamps aside). */
    public Function<Instant, KeyValue<String, ? extends SpecificRecord>> source(long seed) {
        return sources.apply(seed);
    }
}
