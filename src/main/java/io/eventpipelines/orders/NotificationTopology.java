package io.eventpipelines.orders;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.streams.PipelineTopics;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Notifications: one {@link Notification} per order, keyed by userId. It reads {@code orders} on its own,
 * with its own application id, so a slow or failing inventory never holds notifications back.
 */
public final class NotificationTopology {
    public static final String NOTIFICATIONS_TOPIC = "notifications";

    /** Reads the orders inventory reads, on its own; no internal topics. */
    public static final PipelineTopics TOPICS = PipelineTopics.builder()
            .input(InventoryTopology.ORDERS_TOPIC, Order.class)
            .output(NOTIFICATIONS_TOPIC, Notification.class)
            .build();

    private NotificationTopology() {}

    public static Topology build(Properties streamsConfig, AvroSerdes serdes) {
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsConfig)));
        builder.stream(
                        InventoryTopology.ORDERS_TOPIC,
                        Consumed.with(Serdes.String(), serdes.value(Order.class))
                                .withName("orders-source"))
                .map(
                        (orderId, order) -> {
                            Notification notification = confirmation(InventoryTopology.requireOrder(order));
                            return KeyValue.pair(notification.getUserId(), notification);
                        },
                        Named.as("order-to-notification"))
                .to(
                        NOTIFICATIONS_TOPIC,
                        Produced.with(Serdes.String(), serdes.value(Notification.class))
                                .withName("notifications-sink"));
        return builder.build(streamsConfig);
    }

    static Notification confirmation(Order order) {
        String message = String.format(
                Locale.ROOT,
                "We received your order %s: %d x product %s.",
                order.getOrderId(),
                order.getQuantity(),
                order.getProductId());
        return Notification.newBuilder()
                .setOrderId(order.getOrderId())
                .setUserId(order.getUserId())
                .setChannel(Channel.EMAIL)
                .setMessage(message)
                .setTimestamp(order.getTimestamp())
                .build();
    }
}
