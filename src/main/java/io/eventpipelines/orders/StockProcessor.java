package io.eventpipelines.orders;

import io.eventpipelines.orders.internal.InventoryCommand;
import io.eventpipelines.orders.internal.InventoryCommandKind;
import io.eventpipelines.streams.DeadLetter;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/** Applies one inventory command to the product's stock and emits exactly one update for it. */
final class StockProcessor implements FixedKeyProcessor<String, InventoryCommand, InventoryUpdate> {
    static final String OUT_OF_STOCK = "OUT_OF_STOCK";
    static final String INVALID_QUANTITY = "INVALID_QUANTITY";

    private final Map<InventoryStatus, Counter> updates;
    private final Serializer<Restock> restockSerializer;
    private FixedKeyProcessorContext<String, InventoryUpdate> context;
    private KeyValueStore<String, Integer> stock;

    /**
     * @param updates           one counter per status, owned by the instance so that counts survive rebalances
     * @param restockSerializer writes a rejected restock back in {@code inventory-restocks}' format, for its dead letter
     */
    StockProcessor(Map<InventoryStatus, Counter> updates, Serializer<Restock> restockSerializer) {
        this.updates = updates;
        this.restockSerializer = restockSerializer;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, InventoryUpdate> context) {
        this.context = context;
        this.stock = context.getStateStore(InventoryTopology.STOCK_STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, InventoryCommand> record) {
        InventoryCommand command = record.value();
        String productId = record.key();
        Integer stored = stock.get(productId);
        int before = stored == null ? 0 : stored;
        InventoryUpdate update;
        Headers headers = record.headers();
        if (command.getKind() == InventoryCommandKind.RESTOCK) {
            headers = withoutRestockSource(record.headers());
            try {
                update = restock(productId, command, before);
            } catch (IllegalArgumentException overflow) {
                throw deadLetter(record, headers, overflow);
            }
        } else {
            update = order(productId, command, before);
        }
        if (update.getStockAfter() != before) {
            stock.put(productId, update.getStockAfter());
        }
        // Outside the transaction, like Counted: an update of an aborted transaction stays counted.
        updates.get(update.getStatus()).increment();
        context.forward(record.withValue(update).withHeaders(headers));
    }

    /**
     * An overflow is known only here, after the repartition, where the bytes Kafka Streams read are an internal
     * {@link InventoryCommand}. The dead letter is the restock instead: the fields it was read with, written
     * again in {@code inventory-restocks}' format and keyed by product, naming where it was read, so it can be
     * understood and replayed to {@code inventory-restocks} like any other.
     */
    private DeadLetter deadLetter(FixedKeyRecord<String, InventoryCommand> record, Headers headers, Exception reason) {
        InventoryCommand command = record.value();
        Restock restock = new Restock(command.getProductId(), command.getQuantity(), command.getTimestamp());
        return new DeadLetter(
                reason,
                InventoryTopology.RESTOCKS_TOPIC,
                (int) number(record.headers(), InventoryTopology.RESTOCK_PARTITION_HEADER),
                number(record.headers(), InventoryTopology.RESTOCK_OFFSET_HEADER),
                command.getProductId().getBytes(StandardCharsets.UTF_8),
                restockSerializer.serialize(InventoryTopology.RESTOCKS_TOPIC, restock),
                headers);
    }

    private static Headers withoutRestockSource(Headers headers) {
        Headers kept = new RecordHeaders();
        for (Header header : headers) {
            if (!header.key().equals(InventoryTopology.RESTOCK_PARTITION_HEADER)
                    && !header.key().equals(InventoryTopology.RESTOCK_OFFSET_HEADER)) {
                kept.add(header);
            }
        }
        return kept;
    }

    /** A header written by {@link InventoryTopology}, or -1 for commands written before it carried them. */
    private static long number(Headers headers, String key) {
        Header header = headers.lastHeader(key);
        try {
            return header == null ? -1 : Long.parseLong(new String(header.value(), StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static InventoryUpdate restock(String productId, InventoryCommand command, int before) {
        int after;
        try {
            after = Math.addExact(before, command.getQuantity());
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException(
                    "restock of " + command.getQuantity() + " for product '" + productId
                            + "' would overflow its stock of " + before,
                    overflow);
        }
        return update(productId, command, InventoryStatus.RESTOCKED, after, null);
    }

    private static InventoryUpdate order(String productId, InventoryCommand command, int before) {
        int quantity = command.getQuantity();
        if (quantity <= 0) {
            return update(productId, command, InventoryStatus.REJECTED, before, INVALID_QUANTITY);
        }
        if (quantity > before) {
            return update(productId, command, InventoryStatus.REJECTED, before, OUT_OF_STOCK);
        }
        return update(productId, command, InventoryStatus.RESERVED, before - quantity, null);
    }

    private static InventoryUpdate update(
            String productId, InventoryCommand command, InventoryStatus status, int stockAfter, String reason) {
        return InventoryUpdate.newBuilder()
                .setProductId(productId)
                .setOrderId(command.getOrderId())
                .setStatus(status)
                .setQuantity(command.getQuantity())
                .setStockAfter(stockAfter)
                .setReason(reason)
                .setTimestamp(command.getTimestamp())
                .build();
    }
}
