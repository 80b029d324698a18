package io.eventpipelines.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.DeadLetters;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineTestDriver;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NotificationTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private PipelineTestDriver pipeline;
    private TestInputTopic<String, Order> orders;
    private TestOutputTopic<String, Notification> notifications;

    @BeforeEach
    void start() {
        pipeline = PipelineTestDriver.start(Pipeline.NOTIFICATIONS);
        orders = pipeline.input(InventoryTopology.ORDERS_TOPIC, Order.class);
        notifications = pipeline.output(NotificationTopology.NOTIFICATIONS_TOPIC, Notification.class);
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    @Test
    void oneEmailPerOrderKeyedByUser() {
        orders.pipeInput("o-1", new Order("o-1", "u-1", "p-1", 2, T0));
        orders.pipeInput("o-2", new Order("o-2", "u-2", "p-9", 1, T0));
        orders.pipeInput("o-3", new Order("o-3", "u-1", "p-1", 500, T0));

        List<KeyValue<String, Notification>> out = notifications.readKeyValuesToList();
        assertEquals(
                List.of("u-1", "u-2", "u-1"), out.stream().map(kv -> kv.key).toList());
        Notification first = out.get(0).value;
        assertEquals("o-1", first.getOrderId());
        assertEquals("u-1", first.getUserId());
        assertEquals(Channel.EMAIL, first.getChannel());
        assertEquals(T0, first.getTimestamp());
        assertEquals("We received your order o-1: 2 x product p-1.", first.getMessage());
        assertTrue(out.get(2).value.getMessage().contains("500 x product p-1"));
    }

    /**
     * Under the pipeline's default, exactly_once_v2, as {@code run} has it: the driver must still show what a
     * failed record leaves, or the empty dead-letter checks here would pass whatever happened.
     */
    @Test
    void runsExactlyOnceAndAnOrderWithoutValueIsDeadLettered() {
        assertEquals(
                StreamsConfig.EXACTLY_ONCE_V2,
                pipeline.config
                        .streamsProperties(Pipeline.NOTIFICATIONS)
                        .get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        orders.pipeInput("o-5", null);
        orders.pipeInput("o-6", new Order("o-6", "u-4", "p-1", 1, T0));
        assertEquals(
                List.of("o-6"),
                notifications.readValuesToList().stream()
                        .map(Notification::getOrderId)
                        .toList());
        List<TestRecord<byte[], byte[]>> dead = pipeline.deadLetters().readRecordsToList();
        assertEquals(1, dead.size());
        assertTrue(
                DeadLetters.header(dead.get(0).headers(), DeadLetters.MESSAGE).contains("no value"));
    }

    @Test
    void ordersInventoryWouldRejectStillGetANotification() {
        orders.pipeInput("o-4", new Order("o-4", "u-3", "p-1", 0, T0));
        assertEquals(1, notifications.readValuesToList().size());
        assertTrue(pipeline.deadLetters().isEmpty());
    }
}
