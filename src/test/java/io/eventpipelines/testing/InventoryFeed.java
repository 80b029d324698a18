package io.eventpipelines.testing;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.orders.Order;
import io.eventpipelines.orders.Restock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Orders and restocks for the inventory pipeline, written like a Confluent producer (the app's serde, so
 * schemas are registered): a restock every tenth event, orders of 1 to 5 units in between, over a few
 * products. Demand outruns supply, so the stream mixes RESERVED and OUT_OF_STOCK. Every event has an
 * identity an {@link InventoryLedger.Update} can be matched to: the order id, or product and timestamp
 * for a restock (timestamps are unique).
 */
public final class InventoryFeed implements AutoCloseable {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<Order> orders;
    private final Serializer<Restock> restocks;
    private final String prefix;
    private final int products;
    private final Random random;
    private final List<String> identities = new CopyOnWriteArrayList<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private int sequence;

    /**
     * @param producerConfig added to the idempotent acks=all producer (e.g. a long delivery.timeout.ms)
     */
    public InventoryFeed(
            String bootstrapServers,
            Map<String, Object> serdeConfig,
            Map<String, Object> producerConfig,
            String prefix,
            int products,
            long seed) {
        Map<String, Object> props = new HashMap<>(producerConfig);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // A retried send must not become a second order: input duplicates would look like the app's.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        AvroSerdes serdes = new AvroSerdes(serdeConfig);
        this.orders = serdes.value(Order.class).serializer();
        this.restocks = serdes.value(Restock.class).serializer();
        this.prefix = prefix;
        this.products = products;
        this.random = new Random(seed);
    }

    /** Hands {@code count} more events to the producer (not waiting for acknowledgements). */
    public synchronized void send(int count) {
        for (int i = 0; i < count; i++) {
            int n = sequence++;
            String product = prefix + "-p" + random.nextInt(products);
            Instant timestamp = T0.plusMillis(n);
            Callback onFailure = (metadata, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                }
            };
            if (n % 10 == 0) {
                Restock restock = new Restock(product, 10 + random.nextInt(21), timestamp);
                producer.send(
                        new ProducerRecord<>(
                                "inventory-restocks", product, restocks.serialize("inventory-restocks", restock)),
                        onFailure);
                identities.add("restock " + product + "@" + timestamp.toEpochMilli());
            } else {
                String orderId = prefix + "-o" + n;
                Order order = new Order(
                        orderId, prefix + "-u" + random.nextInt(20), product, 1 + random.nextInt(5), timestamp);
                producer.send(new ProducerRecord<>("orders", orderId, orders.serialize("orders", order)), onFailure);
                identities.add("order " + orderId);
            }
        }
    }

    /** Waits until everything sent is acknowledged; fails if any send failed. */
    public void flush() {
        producer.flush();
        Exception error = failure.get();
        if (error != null) {
            throw new IllegalStateException("sending inventory input failed", error);
        }
    }

    /** The identities of every event handed to the producer so far. */
    public List<String> identities() {
        return List.copyOf(identities);
    }

    public int sent() {
        return identities.size();
    }

    /** Gives up on unsent records after a few seconds: a test that failed with the broker down must still end. */
    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
