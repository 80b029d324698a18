package io.eventpipelines.app;

import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.logs.LogSimulator;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.OrderSimulator;
import io.eventpipelines.temperature.ReadingSimulator;
import io.eventpipelines.temperature.ThresholdSimulator;
import io.eventpipelines.temperature.TemperatureTopology;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;

import java.time.Instant;
import java.util.function.Function;

/** The simulated input of one scenario: which topic it feeds and its next record. */
public enum Simulation {
    TEMPERATURE(TemperatureTopology.READINGS_TOPIC) {
        @Override
        public Function<Instant, KeyValue<String, ? extends SpecificRecord>> source(long seed) {
            ReadingSimulator simulator = new ReadingSimulator(seed, ReadingSimulator.DEFAULT_SENSORS);
            return simulator::next;
        }
    },
    THRESHOLDS(TemperatureTopology.THRESHOLDS_TOPIC) {
        @Override
        public Function<Instant, KeyValue<String, ? extends SpecificRecord>> source(long seed) {
            ThresholdSimulator simulator = new ThresholdSimulator(seed, ReadingSimulator.DEFAULT_SENSORS);
            return simulator::next;
        }
    },
    LOGS(LogRoutingTopology.APP_LOGS_TOPIC) {
        @Override
        public Function<Instant, KeyValue<String, ? extends SpecificRecord>> source(long seed) {
            LogSimulator simulator = new LogSimulator(seed);
            return simulator::next;
        }
    },
    ORDERS(InventoryTopology.ORDERS_TOPIC) {
        @Override
        public Function<Instant, KeyValue<String, ? extends SpecificRecord>> source(long seed) {
            OrderSimulator simulator = new OrderSimulator(seed, OrderSimulator.DEFAULT_PRODUCTS);
            return simulator::nextOrder;
        }
    },
    RESTOCKS(InventoryTopology.RESTOCKS_TOPIC) {
        @Override
        public Function<Instant, KeyValue<String, ? extends SpecificRecord>> source(long seed) {
            OrderSimulator simulator = new OrderSimulator(seed, OrderSimulator.DEFAULT_PRODUCTS);
            return simulator::nextRestock;
        }
    };

    private final String topic;

    Simulation(String topic) {
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }

    /** A reproducible record source: the same seed gives the same records (timestamps aside). */
    public abstract Function<Instant, KeyValue<String, ? extends SpecificRecord>> source(long seed);
}
