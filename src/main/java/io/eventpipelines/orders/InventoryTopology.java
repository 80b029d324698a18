package io.eventpipelines.orders;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.orders.internal.InventoryCommand;
import io.eventpipelines.orders.internal.InventoryCommandKind;
import io.eventpipelines.streams.Counted;
import io.eventpipelines.streams.PipelineTopics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;

/**
 * Inventory: stock per product in a persistent store, one {@link InventoryUpdate} per order and per restock.
 *
 * <p>Orders (keyed by orderId) and restocks are turned into one command stream keyed by productId and
 * repartitioned through a single topic. One topic rather than two co-partitioned ones means that a
 * product's orders and restocks reach the store's partition in one sequence, applied in the order they
 * arrive there, and that {@code orders} and {@code inventory-restocks} may have different partition counts.
 */
public final class InventoryTopology {
    public static final String ORDERS_TOPIC = "orders";
    public static final String RESTOCKS_TOPIC = "inventory-restocks";
    public static final String UPDATES_TOPIC = "inventory-updates";
    /** Name of the stock store; its changelog is {@code <application.id>-inventory-stock-changelog}. */
    public static final String STOCK_STORE = "inventory-stock";
    /** Name of the repartition topic: {@code <application.id>-inventory-commands-by-product-repartition}. */
    public static final String COMMANDS_BY_PRODUCT = "inventory-commands-by-product";
    /**
     * Updates emitted, by status (reservations, rejections, restocks), as
     * {@code eventpipelines_inventory_updates_total{status=...}} in Prometheus.
     */
    public static final String UPDATES_METER = "eventpipelines.inventory.updates";

    /**
     * What this topology reads and writes. Its repartition topic carries {@link InventoryCommand}s through the
     * registry; the stock store's changelog holds plain integers.
     */
    public static final PipelineTopics TOPICS = PipelineTopics.builder()
            .input(ORDERS_TOPIC, Order.class)
            .input(RESTOCKS_TOPIC, Restock.class)
            .output(UPDATES_TOPIC, InventoryUpdate.class)
            .internal(PipelineTopics.repartition(COMMANDS_BY_PRODUCT), InventoryCommand.class)
            .build();

    private InventoryTopology() {}

    public static Topology build(Properties streamsConfig, AvroSerdes serdes, MeterRegistry meters) {
        Map<InventoryStatus, Counter> updates = new EnumMap<>(InventoryStatus.class);
        for (InventoryStatus status : InventoryStatus.values()) {
            updates.put(
                    status,
                    Counted.counter(
                            meters,
                            UPDATES_METER,
                            "Inventory updates written, by status: orders reserved or rejected, restocks applied",
                            "pipeline",
                            "inventory",
                            "status",
                            status.name()));
        }
        Serde<InventoryCommand> commandSerde = serdes.value(InventoryCommand.class);
        Serializer<Restock> restockSerializer = serdes.value(Restock.class).serializer();
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsConfig)));
        // Cached: a product's stock changes with most records, and the cache sends only its latest value per
        // commit to the changelog instead of one changelog record per order.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(STOCK_STORE), Serdes.String(), Serdes.Integer())
                .withCachingEnabled());

        KStream<String, InventoryCommand> orders = builder.stream(
                        ORDERS_TOPIC,
                        Consumed.with(Serdes.String(), serdes.value(Order.class))
                                .withName("orders-source"))
                .map(
                        (orderId, order) -> KeyValue.pair(requireOrder(order).getProductId(), fromOrder(order)),
                        Named.as("order-to-command"));
        KStream<String, InventoryCommand> restocks = builder.stream(
                        RESTOCKS_TOPIC,
                        Consumed.with(Serdes.String(), serdes.value(Restock.class))
                                .withName("restocks-source"))
                .process(RestockToCommand::new, Named.as("restock-to-command"));

        orders.merge(restocks, Named.as("merge-commands"))
                .repartition(Repartitioned.<String, InventoryCommand>as(COMMANDS_BY_PRODUCT)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(commandSerde))
                .processValues(
                        () -> new StockProcessor(updates, restockSerializer), Named.as("apply-to-stock"), STOCK_STORE)
                .to(
                        UPDATES_TOPIC,
                        Produced.with(Serdes.String(), serdes.value(InventoryUpdate.class))
                                .withName("inventory-updates-sink"));
        return builder.build(streamsConfig);
    }

    static Order requireOrder(Order order) {
        if (order == null) {
            throw new IllegalArgumentException("order has no value (null record value)");
        }
        return order;
    }

    /**
     * Where a restock was read, carried through the repartition so that a restock {@link StockProcessor} rejects
     * (one that would overflow the stock, known only there) is dead-lettered naming it. {@link StockProcessor}
     * removes them again, so they never reach {@code inventory-updates}.
     */
    static final String RESTOCK_PARTITION_HEADER = "eventpipelines.restock.partition";

    static final String RESTOCK_OFFSET_HEADER = "eventpipelines.restock.offset";

    /** A restock as a command keyed by its product, carrying where it was read. */
    private static final class RestockToCommand implements Processor<String, Restock, String, InventoryCommand> {
        private ProcessorContext<String, InventoryCommand> context;

        @Override
        public void init(ProcessorContext<String, InventoryCommand> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, Restock> record) {
            Restock restock = requireRestock(record.value());
            Headers headers = new RecordHeaders(record.headers().toArray());
            context.recordMetadata().ifPresent(source -> {
                headers.add(
                        RESTOCK_PARTITION_HEADER,
                        String.valueOf(source.partition()).getBytes(StandardCharsets.UTF_8));
                headers.add(
                        RESTOCK_OFFSET_HEADER, String.valueOf(source.offset()).getBytes(StandardCharsets.UTF_8));
            });
            context.forward(record.withKey(restock.getProductId())
                    .withValue(fromRestock(restock))
                    .withHeaders(headers));
        }
    }

    /** Invalid restocks are rejected here, before the repartition, so the dead-letter record is the original one. */
    static Restock requireRestock(Restock restock) {
        if (restock == null) {
            throw new IllegalArgumentException("restock has no value (null record value)");
        }
        if (restock.getQuantity() <= 0) {
            throw new IllegalArgumentException("restock of product '" + restock.getProductId() + "' has quantity "
                    + restock.getQuantity() + "; it must be > 0");
        }
        return restock;
    }

    private static InventoryCommand fromOrder(Order order) {
        return new InventoryCommand(
                InventoryCommandKind.ORDER,
                order.getProductId(),
                order.getOrderId(),
                order.getQuantity(),
                order.getTimestamp());
    }

    private static InventoryCommand fromRestock(Restock restock) {
        return new InventoryCommand(
                InventoryCommandKind.RESTOCK,
                restock.getProductId(),
                null,
                restock.getQuantity(),
                restock.getTimestamp());
    }
}
