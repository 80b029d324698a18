package io.eventpipelines.orders;

import io.eventpipelines.orders.internal.InventoryCommand;

import io.micrometer.core.instrument.Counter;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.Map;

/** Applies one inventory command to the product's stock and emits exactly one update for it. */
final class StockProcessor implements FixedKeyProcessor<String, InventoryCommand, InventoryUpdate> {
    static final String OUT_OF_STOCK = "OUT_OF_STOCK";
    static final String INVALID_QUANTITY = "INVALID_QUANTITY";

    private final Map<InventoryStatus, Counter> updates;
    private FixedKeyProcessorContext<String, InventoryUpdate> context;
    private KeyValueStore<String, Integer> stock;

    /** @param updates one counter per status, owned by the instance so that counts survive rebalances */
    StockProcessor(Map<InventoryStatus, Counter> updates) {
        this.updates = updates;
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
        InventoryUpdate update = switch (command.getKind()) {
            case RESTOCK -> restock(productId, command, before);
            case ORDER -> order(productId, command, before);
        };
        if (update.getStockAfter() != before) {
            stock.put(productId, update.getStockAfter());
        }
        updates.get(update.getStatus()).increment();
        context.forward(record.withValue(update));
    }

    private static InventoryUpdate restock(String productId, InventoryCommand command, int before) {
        int after;
        try {
            after = Math.addExact(before, command.getQuantity());
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException("restock of " + command.getQuantity() + " for product '" + productId
                    + "' would overflow its stock of " + before, overflow);
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

    private static InventoryUpdate update(String productId, InventoryCommand command, InventoryStatus status,
                                          int stockAfter, String reason) {
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
