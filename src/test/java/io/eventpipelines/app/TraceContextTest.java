package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogLevel;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.logs.ServiceErrorRate;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.InventoryUpdate;
import io.eventpipelines.orders.Notification;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.orders.Order;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.temperature.TemperatureAlert;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureStats;
import io.eventpipelines.temperature.TemperatureTopology;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * W3C trace context ({@code traceparent}, {@code tracestate}) on an input record reaches every record the app
 * writes because of it, through the repartition topic and the stock store's processor too, and into dead letters.
 */
class TraceContextTest {
    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
    private static final String TRACE_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static final String TRACE_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private static final String TRACE_C = "cccccccccccccccccccccccccccccccc";
    private static final String TRACE_D = "dddddddddddddddddddddddddddddddd";

    private static Headers trace(String traceId) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", ("00-" + traceId + "-00f067aa0ba902b7-01").getBytes(StandardCharsets.UTF_8));
        headers.add("tracestate", "vendor=abc".getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private static List<String> traceOf(TestRecord<?, ?> record) {
        return Arrays.asList(value(record.headers(), "traceparent"), value(record.headers(), "tracestate"));
    }

    private static String value(Headers headers, String key) {
        Header header = headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static List<String> expected(String traceId) {
        return List.of("00-" + traceId + "-00f067aa0ba902b7-01", "vendor=abc");
    }

    @Test
    void anOrdersTraceReachesItsInventoryUpdateAfterTheRepartitionAndARestocksItsOwn() {
        try (PipelineTestDriver pipeline = PipelineTestDriver.start(Pipeline.INVENTORY)) {
            String restockTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
            String orderTrace = "0af7651916cd43dd8448eb211c80319c";
            pipeline.input(InventoryTopology.RESTOCKS_TOPIC, Restock.class)
                    .pipeInput(new TestRecord<>("p-1", new Restock("p-1", 5, T0), trace(restockTrace), T0));
            pipeline.input(InventoryTopology.ORDERS_TOPIC, Order.class)
                    .pipeInput(new TestRecord<>("o-1", new Order("o-1", "u-1", "p-1", 2, T0), trace(orderTrace), T0));

            List<TestRecord<String, InventoryUpdate>> updates = pipeline.output(
                            InventoryTopology.UPDATES_TOPIC, InventoryUpdate.class)
                    .readRecordsToList();
            assertEquals(2, updates.size());
            assertEquals(expected(restockTrace), traceOf(updates.get(0)), "the restock's update");
            assertEquals(expected(orderTrace), traceOf(updates.get(1)), "the order's update");
        }
    }

    @Test
    void anOrdersTraceReachesItsNotification() {
        try (PipelineTestDriver pipeline = PipelineTestDriver.start(Pipeline.NOTIFICATIONS)) {
            String orderTrace = "0af7651916cd43dd8448eb211c80319c";
            pipeline.input(InventoryTopology.ORDERS_TOPIC, Order.class)
                    .pipeInput(new TestRecord<>("o-1", new Order("o-1", "u-1", "p-1", 2, T0), trace(orderTrace), T0));
            assertEquals(
                    expected(orderTrace),
                    traceOf(pipeline.output(NotificationTopology.NOTIFICATIONS_TOPIC, Notification.class)
                            .readRecord()));
        }
    }

    @Test
    void aReadingsTraceReachesItsAlert() {
        try (PipelineTestDriver pipeline = PipelineTestDriver.start(Pipeline.TEMPERATURE)) {
            String trace = "5bf92f3577b34da6a3ce929d0e0e4736";
            pipeline.input(TemperatureTopology.READINGS_TOPIC, TemperatureReading.class)
                    .pipeInput(
                            new TestRecord<>("s-1", new TemperatureReading("s-1", 45.0, T0, null), trace(trace), T0));
            assertEquals(
                    expected(trace),
                    traceOf(pipeline.output(TemperatureTopology.ALERTS_TOPIC, TemperatureAlert.class)
                            .readRecord()));
        }
    }

    @Test
    void aLogEventsTraceReachesItsBranchAndAPoisonRecordsItsDeadLetter() {
        try (PipelineTestDriver pipeline = PipelineTestDriver.start(Pipeline.LOGS)) {
            String trace = "6bf92f3577b34da6a3ce929d0e0e4736";
            pipeline.input(LogRoutingTopology.APP_LOGS_TOPIC, LogEvent.class)
                    .pipeInput(new TestRecord<>(
                            "checkout", new LogEvent(T0, LogLevel.ERROR, "checkout", "boom", null), trace(trace), T0));
            assertEquals(
                    expected(trace),
                    traceOf(pipeline.output("logs-error", LogEvent.class).readRecord()));

            String poisonTrace = "7bf92f3577b34da6a3ce929d0e0e4736";
            pipeline.rawInput(LogRoutingTopology.APP_LOGS_TOPIC)
                    .pipeInput(new TestRecord<>(
                            "x".getBytes(StandardCharsets.UTF_8), new byte[] {9, 9, 9}, trace(poisonTrace), T0));
            assertEquals(expected(poisonTrace), traceOf(pipeline.deadLetters().readRecord()));
        }
    }

    /**
     * A window's result is emitted when a later record closes it: that record's trace must not ride along. A window
     * with one record has that record as its cause and carries its trace; a window with two has no single cause.
     */
    @Test
    void aWindowsResultCarriesItsOnlyRecordsTraceAndNeverTheClosingOnes() {
        Instant second = T0.plusSeconds(70);
        Instant closing = T0.plusSeconds(200);
        try (PipelineTestDriver pipeline = PipelineTestDriver.start(Pipeline.LOGS)) {
            TestInputTopic<String, LogEvent> logs = pipeline.input(LogRoutingTopology.APP_LOGS_TOPIC, LogEvent.class);
            logs.pipeInput(new TestRecord<>("c", error(T0, "a"), trace(TRACE_A), T0));
            logs.pipeInput(new TestRecord<>("c", error(second, "b"), trace(TRACE_B), second));
            logs.pipeInput(new TestRecord<>("c", error(second.plusSeconds(5), "c"), trace(TRACE_C), second));
            logs.pipeInput(new TestRecord<>("c", error(closing, "d"), trace(TRACE_D), closing));
            List<TestRecord<String, ServiceErrorRate>> rates = pipeline.output(
                            LogRoutingTopology.ERROR_RATES_TOPIC, ServiceErrorRate.class)
                    .readRecordsToList();
            assertEquals(
                    List.of(1L, 2L),
                    rates.stream().map(r -> r.value().getErrorCount()).toList());
            assertEquals(expected(TRACE_A), traceOf(rates.get(0)), "one error: its trace");
            assertEquals(Arrays.asList(null, null), traceOf(rates.get(1)), "two errors: no single cause");
        }
        try (PipelineTestDriver pipeline = PipelineTestDriver.start(Pipeline.TEMPERATURE)) {
            TestInputTopic<String, TemperatureReading> readings =
                    pipeline.input(TemperatureTopology.READINGS_TOPIC, TemperatureReading.class);
            readings.pipeInput(new TestRecord<>("s-1", reading(20.0, T0), trace(TRACE_A), T0));
            readings.pipeInput(new TestRecord<>("s-1", reading(21.0, second), trace(TRACE_B), second));
            readings.pipeInput(new TestRecord<>("s-1", reading(22.0, second.plusSeconds(5)), null, second));
            readings.pipeInput(new TestRecord<>("s-1", reading(23.0, closing), trace(TRACE_D), closing));
            List<TestRecord<String, TemperatureStats>> stats = pipeline.output(
                            TemperatureTopology.STATS_TOPIC, TemperatureStats.class)
                    .readRecordsToList();
            assertEquals(
                    List.of(1L, 2L),
                    stats.stream().map(r -> r.value().getCount()).toList());
            assertEquals(expected(TRACE_A), traceOf(stats.get(0)), "one reading: its trace");
            assertEquals(Arrays.asList(null, null), traceOf(stats.get(1)), "two readings, one traced: no single cause");
        }
    }

    /** A producer may send a header without a value: no trace, and the reading still counts. */
    @Test
    void aTraceparentWithoutAValueIsNoTrace() {
        try (PipelineTestDriver pipeline = PipelineTestDriver.start(Pipeline.TEMPERATURE)) {
            TestInputTopic<String, TemperatureReading> readings =
                    pipeline.input(TemperatureTopology.READINGS_TOPIC, TemperatureReading.class);
            RecordHeaders valueless = new RecordHeaders();
            valueless.add("traceparent", null);
            readings.pipeInput(new TestRecord<>("s-1", reading(20.0, T0), valueless, T0));
            Instant closing = T0.plusSeconds(200);
            readings.pipeInput(new TestRecord<>("s-1", reading(21.0, closing), null, closing));
            List<TestRecord<String, TemperatureStats>> stats = pipeline.output(
                            TemperatureTopology.STATS_TOPIC, TemperatureStats.class)
                    .readRecordsToList();
            assertEquals(
                    List.of(1L), stats.stream().map(r -> r.value().getCount()).toList());
            assertEquals(Arrays.asList(null, null), traceOf(stats.get(0)));
            assertTrue(pipeline.deadLetters().isEmpty(), "nothing dead-lettered");
        }
    }

    private static LogEvent error(Instant at, String message) {
        return new LogEvent(at, LogLevel.ERROR, "checkout", message, null);
    }

    private static TemperatureReading reading(double celsius, Instant at) {
        return new TemperatureReading("s-1", celsius, at, null);
    }
}
