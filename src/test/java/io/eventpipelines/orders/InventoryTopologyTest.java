package io.eventpipelines.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.DeadLetters;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineTestDriver;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InventoryTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private PipelineTestDriver pipeline;
    private TestInputTopic<String, Order> orders;
    private TestInputTopic<String, Restock> restocks;
    private TestOutputTopic<String, InventoryUpdate> updates;
    private KeyValueStore<String, Integer> stock;

    @BeforeEach
    void start() {
        pipeline = PipelineTestDriver.start(Pipeline.INVENTORY);
        orders = pipeline.input(InventoryTopology.ORDERS_TOPIC, Order.class);
        restocks = pipeline.input(InventoryTopology.RESTOCKS_TOPIC, Restock.class);
        updates = pipeline.output(InventoryTopology.UPDATES_TOPIC, InventoryUpdate.class);
        stock = pipeline.driver.getKeyValueStore(InventoryTopology.STOCK_STORE);
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private void order(String orderId, String productId, int quantity) {
        orders.pipeInput(orderId, new Order(orderId, "u-1", productId, quantity, T0));
    }

    private void restock(String productId, int quantity) {
        restocks.pipeInput(productId, new Restock(productId, quantity, T0));
    }

    private static InventoryUpdate update(
            String productId, String orderId, InventoryStatus status, int quantity, int stockAfter, String reason) {
        return new InventoryUpdate(productId, orderId, status, quantity, stockAfter, reason, T0);
    }

    @Test
    void restockReserveRejectOutOfStockAndInvalidQuantity() {
        restock("p-1", 10);
        order("o-1", "p-1", 3);
        order("o-2", "p-1", 8);
        order("o-3", "p-1", 0);
        order("o-4", "p-1", -2);
        order("o-5", "p-1", 7);
        order("o-6", "p-1", 1);

        assertEquals(
                List.of(
                        KeyValue.pair("p-1", update("p-1", null, InventoryStatus.RESTOCKED, 10, 10, null)),
                        KeyValue.pair("p-1", update("p-1", "o-1", InventoryStatus.RESERVED, 3, 7, null)),
                        KeyValue.pair("p-1", update("p-1", "o-2", InventoryStatus.REJECTED, 8, 7, "OUT_OF_STOCK")),
                        KeyValue.pair("p-1", update("p-1", "o-3", InventoryStatus.REJECTED, 0, 7, "INVALID_QUANTITY")),
                        KeyValue.pair("p-1", update("p-1", "o-4", InventoryStatus.REJECTED, -2, 7, "INVALID_QUANTITY")),
                        KeyValue.pair("p-1", update("p-1", "o-5", InventoryStatus.RESERVED, 7, 0, null)),
                        KeyValue.pair("p-1", update("p-1", "o-6", InventoryStatus.REJECTED, 1, 0, "OUT_OF_STOCK"))),
                updates.readKeyValuesToList());
        assertEquals(0, stock.get("p-1"));
        assertEquals(2.0, counted(InventoryStatus.RESERVED));
        assertEquals(4.0, counted(InventoryStatus.REJECTED));
        assertEquals(1.0, counted(InventoryStatus.RESTOCKED));
    }

    private double counted(InventoryStatus status) {
        return pipeline.count(InventoryTopology.UPDATES_METER, "pipeline", "inventory", "status", status.name());
    }

    @Test
    void stockStartsAtZeroAndProductsAreIndependent() {
        order("o-1", "p-2", 1);
        restock("p-3", 5);
        order("o-2", "p-3", 5);

        List<InventoryUpdate> out = updates.readValuesToList();
        assertEquals(update("p-2", "o-1", InventoryStatus.REJECTED, 1, 0, "OUT_OF_STOCK"), out.get(0));
        assertEquals(update("p-3", null, InventoryStatus.RESTOCKED, 5, 5, null), out.get(1));
        assertEquals(update("p-3", "o-2", InventoryStatus.RESERVED, 5, 0, null), out.get(2));
        assertNull(stock.get("p-2"), "a rejected order for an unknown product stores nothing");
        assertEquals(0, stock.get("p-3"));
    }

    @Test
    void restocksAccumulate() {
        restock("p-4", 2);
        restock("p-4", 3);
        assertEquals(
                List.of(2, 5),
                updates.readValuesToList().stream()
                        .map(InventoryUpdate::getStockAfter)
                        .toList());
        assertEquals(5, stock.get("p-4"));
    }

    @Test
    void aNonPositiveRestockIsDeadLetteredAndChangesNothing() {
        restock("p-5", 4);
        restock("p-5", 0);
        restock("p-5", -3);
        order("o-1", "p-5", 4);

        List<InventoryUpdate> out = updates.readValuesToList();
        assertEquals(2, out.size());
        assertEquals(InventoryStatus.RESERVED, out.get(1).getStatus());
        List<TestRecord<byte[], byte[]>> dead = pipeline.deadLetters().readRecordsToList();
        assertEquals(2, dead.size());
        assertEquals(
                InventoryTopology.RESTOCKS_TOPIC, DeadLetters.header(dead.get(0).headers(), DeadLetters.TOPIC));
        assertTrue(
                DeadLetters.header(dead.get(0).headers(), DeadLetters.MESSAGE).contains("must be > 0"));
    }

    @Test
    void aRestockThatWouldOverflowIsDeadLetteredAsTheRestockNotTheInternalCommand() {
        restock("p-6", Integer.MAX_VALUE);
        restocks.pipeInput(new TestRecord<>(
                "p-6",
                new Restock("p-6", 1, T0),
                new RecordHeaders().add("trace-id", "t-42".getBytes(StandardCharsets.UTF_8)),
                T0));
        List<TestRecord<String, InventoryUpdate>> applied = updates.readRecordsToList();
        assertEquals(1, applied.size());
        assertEquals(Integer.MAX_VALUE, stock.get("p-6"));
        assertNull(
                applied.get(0).headers().lastHeader(InventoryTopology.RESTOCK_OFFSET_HEADER),
                "where a restock was read travels to the stock step only");

        List<TestRecord<byte[], byte[]>> dead = pipeline.deadLetters().readRecordsToList();
        assertEquals(1, dead.size());
        TestRecord<byte[], byte[]> letter = dead.get(0);
        assertEquals("p-6", new String(letter.key(), StandardCharsets.UTF_8));
        // The value is a restock in inventory-restocks' format, not the repartition topic's InventoryCommand.
        Restock rejected = pipeline.serdes
                .value(Restock.class)
                .deserializer()
                .deserialize(InventoryTopology.RESTOCKS_TOPIC, letter.value());
        assertEquals(new Restock("p-6", 1, T0), rejected);
        assertEquals(InventoryTopology.RESTOCKS_TOPIC, DeadLetters.header(letter.headers(), DeadLetters.TOPIC));
        assertEquals("0", DeadLetters.header(letter.headers(), DeadLetters.PARTITION));
        assertEquals("1", DeadLetters.header(letter.headers(), DeadLetters.OFFSET), "the second restock read");
        assertEquals(
                IllegalArgumentException.class.getName(), DeadLetters.header(letter.headers(), DeadLetters.EXCEPTION));
        assertEquals(
                "restock of 1 for product 'p-6' would overflow its stock of 2147483647",
                DeadLetters.header(letter.headers(), DeadLetters.MESSAGE));
        assertEquals("t-42", DeadLetters.header(letter.headers(), "trace-id"), "the restock's own headers are kept");
        assertNull(letter.headers().lastHeader(InventoryTopology.RESTOCK_PARTITION_HEADER));
        assertEquals(1.0, pipeline.deadLettersCounted("processing"));

        // Replayed as it is once the stock has room, it is an ordinary restock.
        order("o-1", "p-6", 5);
        pipeline.rawInput(InventoryTopology.RESTOCKS_TOPIC).pipeInput(letter.key(), letter.value());
        List<InventoryUpdate> after = updates.readValuesToList();
        assertEquals(update("p-6", null, InventoryStatus.RESTOCKED, 1, Integer.MAX_VALUE - 4, null), after.get(1));
    }

    @Test
    void internalResourcesAreNamedAndExactlyOnceIsTheDefault() {
        String description = Pipeline.INVENTORY
                .buildTopology(pipeline.config, pipeline.serdes)
                .describe()
                .toString();
        assertTrue(description.contains("inventory-commands-by-product-repartition"), description);
        assertTrue(description.contains("stores: [inventory-stock]"), description);
        var props = pipeline.config.streamsProperties(Pipeline.INVENTORY);
        assertEquals("true", props.get(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }
}
