package io.eventpipelines.bench;

import io.eventpipelines.app.cli.Simulation;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.orders.Order;
import io.eventpipelines.orders.OrderSimulator;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureTopology;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;

/**
 * Fills the input topics before any topology starts: records from the app's simulators (fixed seed), serialized
 * beforehand with the app's serde (so a Streams run only reads bytes that are already in Kafka), sent by a
 * batching producer. Keys are partitioned by the default partitioner, as any producer of String keys would.
 * Record timestamps are 1 ms apart and end about now (so retention and timestamp checks never interfere).
 */
final class Preload {
    /** Share of restocks among the inventory records: 6% × 55 units on average outweighs 94% × 2.75 units ordered. */
    static final double RESTOCK_SHARE = 0.06;
    /** Key of {@link Counts#byTopic()} for inventory: orders reserved if applied in timestamp order. */
    static final String RESERVED_IN_ORDER = "reserved in timestamp order";

    /** What was written, and so what each topology must produce. */
    record Counts(long records, long expectedOutputs, Map<String, Long> byTopic, double seconds) {
        double recordsPerSecond() {
            return records / seconds;
        }
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final AvroSerdes serdes;
    private final StringSerializer keys = new StringSerializer();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();

    Preload(String bootstrapServers, AvroSerdes serdes) {
        this.serdes = serdes;
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.LINGER_MS_CONFIG, "20",
                        ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024),
                        ProducerConfig.CLIENT_ID_CONFIG, "e2e-preload"),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** {@code n} readings of {@link Simulation#TEMPERATURE}; the expected outputs are the alerts. */
    Counts temperature(long n, long seed, double thresholdCelsius) {
        long start = System.nanoTime();
        Function<Instant, KeyValue<String, ? extends SpecificRecord>> source = Simulation.TEMPERATURE.source(seed);
        Serializer<TemperatureReading> serializer =
                serdes.value(TemperatureReading.class).serializer();
        long base = System.currentTimeMillis() - n;
        long alerts = 0;
        for (long i = 0; i < n; i++) {
            long timestamp = base + i;
            KeyValue<String, ? extends SpecificRecord> kv = source.apply(Instant.ofEpochMilli(timestamp));
            TemperatureReading reading = (TemperatureReading) kv.value;
            double celsius = reading.getCelsius();
            if (Double.isFinite(celsius)
                    && celsius >= TemperatureTopology.ABSOLUTE_ZERO_CELSIUS
                    && celsius > thresholdCelsius) {
                alerts++;
            }
            send(
                    TemperatureTopology.READINGS_TOPIC,
                    timestamp,
                    kv.key,
                    serializer.serialize(TemperatureTopology.READINGS_TOPIC, reading));
        }
        finish();
        return new Counts(n, alerts, Map.of(TemperatureTopology.ALERTS_TOPIC, alerts), seconds(start));
    }

    /** {@code n} events of {@link Simulation#LOGS}; every event is routed to exactly one topic. */
    Counts logs(long n, long seed) {
        long start = System.nanoTime();
        Function<Instant, KeyValue<String, ? extends SpecificRecord>> source = Simulation.LOGS.source(seed);
        Serializer<LogEvent> serializer = serdes.value(LogEvent.class).serializer();
        long base = System.currentTimeMillis() - n;
        Map<String, Long> byTopic = new TreeMap<>();
        LogRoutingTopology.routedTopics().forEach(topic -> byTopic.put(topic, 0L));
        for (long i = 0; i < n; i++) {
            long timestamp = base + i;
            KeyValue<String, ? extends SpecificRecord> kv = source.apply(Instant.ofEpochMilli(timestamp));
            LogEvent event = (LogEvent) kv.value;
            byTopic.merge(routeOf(event), 1L, Long::sum);
            send(
                    LogRoutingTopology.APP_LOGS_TOPIC,
                    timestamp,
                    kv.key,
                    serializer.serialize(LogRoutingTopology.APP_LOGS_TOPIC, event));
        }
        finish();
        return new Counts(n, n, byTopic, seconds(start));
    }

    /**
     * {@code n} records in time order over {@code orders} and {@code inventory-restocks}, one
     * {@link OrderSimulator} drawing both: a restock with probability {@link #RESTOCK_SHARE}, else an order.
     * Restocks bring in more than orders take out, so after the first moments almost every order is reserved.
     * Every record yields exactly one inventory update.
     */
    Counts inventory(long n, long seed) {
        return ordersAndRestocks(n, seed, true);
    }

    /**
     * Notifications' input when inventory's is not loaded: the orders {@link #inventory} writes with the same
     * arguments, the same ones, without the restocks, so that notifications reads the same orders whichever
     * pipelines run beside it.
     */
    Counts notifications(long n, long seed) {
        return notifications(ordersAndRestocks(n, seed, false));
    }

    /** What notifications must produce from the orders of {@code inventory}: one notification per order. */
    static Counts notifications(Counts inventory) {
        long orders = inventory.byTopic().get(InventoryTopology.ORDERS_TOPIC);
        return new Counts(
                orders, orders, Map.of(NotificationTopology.NOTIFICATIONS_TOPIC, orders), inventory.seconds());
    }

    private Counts ordersAndRestocks(long n, long seed, boolean sendRestocks) {
        long start = System.nanoTime();
        OrderSimulator simulator = new OrderSimulator(seed, OrderSimulator.DEFAULT_PRODUCTS);
        Random kind = new Random(seed * 31 + 7);
        Serializer<Order> orders = serdes.value(Order.class).serializer();
        Serializer<Restock> restocks = serdes.value(Restock.class).serializer();
        long base = System.currentTimeMillis() - n;
        long orderCount = 0;
        long restockCount = 0;
        // The stock as if every record were applied in timestamp order: what the pipeline's answers approach.
        Map<String, Long> stock = new HashMap<>();
        long reservable = 0;
        for (long i = 0; i < n; i++) {
            long timestamp = base + i;
            Instant now = Instant.ofEpochMilli(timestamp);
            if (kind.nextDouble() < RESTOCK_SHARE) {
                // Drawn even when not sent: the orders after it stay the same.
                KeyValue<String, Restock> kv = simulator.nextRestock(now);
                if (!sendRestocks) {
                    continue;
                }
                send(
                        InventoryTopology.RESTOCKS_TOPIC,
                        timestamp,
                        kv.key,
                        restocks.serialize(InventoryTopology.RESTOCKS_TOPIC, kv.value));
                stock.merge(kv.value.getProductId(), (long) kv.value.getQuantity(), Long::sum);
                restockCount++;
            } else {
                KeyValue<String, Order> kv = simulator.nextOrder(now);
                send(
                        InventoryTopology.ORDERS_TOPIC,
                        timestamp,
                        kv.key,
                        orders.serialize(InventoryTopology.ORDERS_TOPIC, kv.value));
                long available = stock.getOrDefault(kv.value.getProductId(), 0L);
                if (kv.value.getQuantity() > 0 && kv.value.getQuantity() <= available) {
                    stock.put(kv.value.getProductId(), available - kv.value.getQuantity());
                    reservable++;
                }
                orderCount++;
            }
        }
        finish();
        Map<String, Long> byTopic = new TreeMap<>(Map.of(
                InventoryTopology.ORDERS_TOPIC,
                orderCount,
                InventoryTopology.RESTOCKS_TOPIC,
                restockCount,
                RESERVED_IN_ORDER,
                reservable));
        return new Counts(n, n, byTopic, seconds(start));
    }

    static String routeOf(LogEvent event) {
        for (LogRoutingTopology.Route route : LogRoutingTopology.Route.values()) {
            if (route.levels().contains(event.getLevel())) {
                return route.topic();
            }
        }
        return LogRoutingTopology.OTHER_TOPIC;
    }

    private void send(String topic, long timestamp, String key, byte[] value) {
        if (sendFailure.get() != null) {
            throw new IllegalStateException("pre-load to " + topic + " failed", sendFailure.get());
        }
        producer.send(
                new ProducerRecord<>(topic, null, timestamp, keys.serialize(topic, key), value), (metadata, error) -> {
                    if (error != null) {
                        sendFailure.compareAndSet(null, error);
                    }
                });
    }

    private void finish() {
        producer.flush();
        if (sendFailure.get() != null) {
            throw new IllegalStateException("pre-load failed", sendFailure.get());
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    void close() {
        producer.close();
    }
}
