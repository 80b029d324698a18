package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.avro.AvroSerdeConfig;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.RestSchemaRegistryClient;
import io.eventpipelines.avro.SchemaRegistryClient;
import io.eventpipelines.avro.SchemaRegistryException;
import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogLevel;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.Order;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.temperature.SensorThreshold;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.PrometheusText;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.RegistryDecoder;
import io.eventpipelines.testing.TopicReader;
import io.eventpipelines.testing.Wire;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * All four pipelines against a real KRaft broker and a real Schema Registry (Apicurio, through its
 * Confluent-compatible API): outputs are read back with an independent decoder (plain Avro and the
 * registry's REST API), poison records must land in the dead-letter topics, and schemas must evolve
 * under the registry's BACKWARD rule.
 */
class PipelinesIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

    @RegisterExtension
    static final RealStack STACK = new RealStack("pipelines-it-");

    private static AppConfig config;
    private static PipelineRunner runner;
    private static KafkaProducer<String, byte[]> producer;
    private static AvroSerdes serdes;
    private static RegistryDecoder decoder;

    @BeforeAll
    static void start() throws Exception {
        Set<String> topics = new TreeSet<>(TopicAdmin.topicsOf(List.of(Pipeline.values())));
        topics.remove(InventoryTopology.RESTOCKS_TOPIC);
        STACK.kafka().createTopics(2, topics);
        // A different partition count on purpose: restocks and orders must still meet on one store partition.
        STACK.kafka().createTopics(3, List.of(InventoryTopology.RESTOCKS_TOPIC));
        config = AppConfig.of(Map.of(
                "bootstrap.servers",
                STACK.kafka().bootstrapServers(),
                "schema.registry.url",
                STACK.registry().url(),
                "application.id",
                "pipelines-it",
                "state.dir",
                STACK.dir().toString(),
                "commit.interval.ms",
                "200",
                "consumer.session.timeout.ms",
                "10000"));
        runner = new PipelineRunner(config);
        runner.start();
        Poll.until(TIMEOUT, "all pipelines RUNNING", PipelinesIT::allRunning);
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        STACK.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new ByteArraySerializer());
        serdes = new AvroSerdes(config.serdeConfig());
        decoder = new RegistryDecoder(STACK.registry().url());
    }

    @AfterAll
    static void stop() throws Exception {
        try (AutoCloseable p = producer) {
            if (runner != null) {
                runner.close();
            }
        }
    }

    private static boolean allRunning() {
        return runner.streams().values().stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING);
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> void send(String topic, String key, T value) throws Exception {
        byte[] bytes = serdes.value((Class<T>) value.getClass()).serializer().serialize(topic, value);
        sendRaw(topic, key, bytes);
    }

    private static void sendRaw(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }

    private static List<GenericRecord> decoded(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> decoder.decode(r.value())).toList();
    }

    private static String str(GenericRecord record, String field) {
        Object value = record.get(field);
        return value == null ? null : value.toString();
    }

    /** Waits until {@code topic} holds {@code count} records matching {@code tag} (tests share topics), then returns them. */
    private static List<GenericRecord> awaitTagged(String topic, String field, String tag, int count) {
        try (TopicReader reader = new TopicReader(STACK.kafka().bootstrapServers(), topic)) {
            List<GenericRecord> matching = new ArrayList<>();
            Poll.until(TIMEOUT, count + " records tagged " + tag + " on " + topic, () -> {
                matching.clear();
                decoded(reader.poll()).stream()
                        .filter(r -> str(r, field).contains(tag))
                        .forEach(matching::add);
                return matching.size() >= count;
            });
            matching.clear();
            decoded(reader.drain()).stream()
                    .filter(r -> str(r, field).contains(tag))
                    .forEach(matching::add);
            return matching;
        }
    }

    @Test
    void temperatureAlertsThroughTheRegistry() throws Exception {
        send("temperature-readings", "e2e-s1", new TemperatureReading("e2e-s1", 25.0, T0, null));
        send("temperature-readings", "e2e-s2", new TemperatureReading("e2e-s2", 30.0, T0, null));
        send("temperature-readings", "e2e-s3", new TemperatureReading("e2e-s3", 30.1, T0, "hall"));
        send("temperature-readings", "e2e-s4", new TemperatureReading("e2e-s4", 45.5, T0.plusSeconds(1), null));

        List<GenericRecord> alerts = awaitTagged("temperature-alerts", "sensorId", "e2e-", 2);
        Map<String, GenericRecord> bySensor =
                alerts.stream().collect(Collectors.toMap(a -> str(a, "sensorId"), a -> a));
        assertEquals(Set.of("e2e-s3", "e2e-s4"), bySensor.keySet(), "only readings strictly above 30.0 alert");
        assertEquals(30.1, bySensor.get("e2e-s3").get("celsius"));
        assertEquals(30.0, bySensor.get("e2e-s3").get("thresholdCelsius"));
        assertEquals("hall", str(bySensor.get("e2e-s3"), "location"));
        assertEquals(T0.plusSeconds(1).toEpochMilli(), bySensor.get("e2e-s4").get("readingTimestamp"));
        assertEquals("TemperatureAlert", bySensor.get("e2e-s4").getSchema().getName());
    }

    @Test
    void logsAreRoutedByLevelThroughTheRegistry() throws Exception {
        for (LogLevel level : LogLevel.values()) {
            send("app-logs", "svc", new LogEvent(T0, level, "svc", "e2e-log " + level, null));
        }
        send("app-logs", null, new LogEvent(T0, LogLevel.ERROR, "other-svc", "e2e-log second error", "h-1"));

        Map<String, Integer> expected =
                Map.of("logs-error", 3, "logs-warn", 1, "logs-info", 1, "logs-debug", 2, "logs-other", 1);
        for (var entry : expected.entrySet()) {
            List<GenericRecord> routed = awaitTagged(entry.getKey(), "message", "e2e-log", entry.getValue());
            assertEquals(entry.getValue(), routed.size(), entry.getKey());
        }
        List<String> errors = awaitTagged("logs-error", "message", "e2e-log", 3).stream()
                .map(r -> str(r, "level"))
                .sorted()
                .toList();
        assertEquals(List.of("ERROR", "ERROR", "FATAL"), errors);
        assertEquals(
                "UNKNOWN",
                str(awaitTagged("logs-other", "message", "e2e-log", 1).get(0), "level"));
    }

    @Test
    void inventoryAndNotificationsThroughTheRegistry() throws Exception {
        send("inventory-restocks", "e2e-p1", new Restock("e2e-p1", 10, T0));
        send("inventory-restocks", "e2e-p2", new Restock("e2e-p2", 5, T0));
        awaitTagged("inventory-updates", "productId", "e2e-p", 2);
        // One order at a time: orders with different keys may sit on different partitions, and the
        // expected stock depends on the order in which they are applied.
        String[][] orders = {
            {"e2e-o1", "e2e-p1", "3"},
            {"e2e-o2", "e2e-p1", "8"},
            {"e2e-o3", "e2e-p2", "5"},
            {"e2e-o4", "e2e-p2", "0"},
            {"e2e-o5", "e2e-p3", "1"}
        };
        for (int i = 0; i < orders.length; i++) {
            send(
                    "orders",
                    orders[i][0],
                    new Order(orders[i][0], "e2e-u" + (i % 2), orders[i][1], Integer.parseInt(orders[i][2]), T0));
            awaitTagged("inventory-updates", "productId", "e2e-p", 3 + i);
        }

        List<GenericRecord> updates = awaitTagged("inventory-updates", "productId", "e2e-p", 7);
        assertEquals(7, updates.size());
        Map<String, String> outcome = new HashMap<>();
        for (GenericRecord update : updates) {
            String key = update.get("orderId") == null ? "restock " + str(update, "productId") : str(update, "orderId");
            outcome.put(key, str(update, "status") + " " + update.get("stockAfter") + " " + str(update, "reason"));
        }
        assertEquals(
                Map.of(
                        "restock e2e-p1", "RESTOCKED 10 null",
                        "restock e2e-p2", "RESTOCKED 5 null",
                        "e2e-o1", "RESERVED 7 null",
                        "e2e-o2", "REJECTED 7 OUT_OF_STOCK",
                        "e2e-o3", "RESERVED 0 null",
                        "e2e-o4", "REJECTED 0 INVALID_QUANTITY",
                        "e2e-o5", "REJECTED 0 OUT_OF_STOCK"),
                outcome);

        List<GenericRecord> notifications = awaitTagged("notifications", "orderId", "e2e-o", 5);
        assertEquals(5, notifications.size(), "one notification per order");
        assertEquals(
                Set.of("e2e-o1", "e2e-o2", "e2e-o3", "e2e-o4", "e2e-o5"),
                notifications.stream().map(n -> str(n, "orderId")).collect(Collectors.toSet()));
        GenericRecord first = notifications.stream()
                .filter(n -> str(n, "orderId").equals("e2e-o1"))
                .findFirst()
                .orElseThrow();
        assertEquals("EMAIL", str(first, "channel"));
        assertEquals("We received your order e2e-o1: 3 x product e2e-p1.", str(first, "message"));
    }

    @Test
    void poisonRecordsInEveryInputLandInTheDeadLetterTopicsAndProcessingGoesOn() throws Exception {
        Map<String, byte[]> poison = Map.of(
                "temperature-readings", "not avro".getBytes(StandardCharsets.UTF_8),
                "app-logs", new byte[] {0, 0, 0, 0x7f, 0x7f, 1, 2, 3}, // a schema id the registry never issued
                "orders", new byte[] {1, 2, 3}, // wrong magic byte
                "inventory-restocks", new byte[] {0, 0, 0}); // too short for the wire format
        for (var entry : poison.entrySet()) {
            sendRaw(entry.getKey(), "poison-key", entry.getValue());
        }
        send("temperature-readings", "dlq-s1", new TemperatureReading("dlq-s1", 99.0, T0, null));
        send("app-logs", "svc", new LogEvent(T0, LogLevel.WARN, "svc", "dlq-log after poison", null));
        send("inventory-restocks", "dlq-p1", new Restock("dlq-p1", 4, T0));
        send("orders", "dlq-o1", new Order("dlq-o1", "dlq-u1", "dlq-p9", 1, T0));

        assertDeadLetters("temperature-dlq", List.of("temperature-readings"));
        assertDeadLetters("logs-dlq", List.of("app-logs"));
        assertDeadLetters("inventory-dlq", List.of("inventory-restocks", "orders"));
        assertDeadLetters("notifications-dlq", List.of("orders"));

        assertEquals(
                1, awaitTagged("temperature-alerts", "sensorId", "dlq-s1", 1).size());
        assertEquals(1, awaitTagged("logs-warn", "message", "dlq-log", 1).size());
        assertEquals(
                2, awaitTagged("inventory-updates", "productId", "dlq-p", 2).size());
        assertEquals(1, awaitTagged("notifications", "orderId", "dlq-o1", 1).size());
        assertTrue(allRunning(), "every pipeline is still RUNNING");
        assertFalse(runner.anyFailed());
        String metrics = runner.metrics().scrape();
        for (String pipeline : List.of("temperature", "logs", "inventory", "notifications")) {
            int expected = pipeline.equals("inventory") ? 2 : 1;
            assertEquals(
                    expected,
                    PrometheusText.sum(
                            metrics,
                            "eventpipelines_dead_letter_records_total",
                            Map.of("pipeline", pipeline, "stage", "deserialization")),
                    pipeline + " dead letters counted");
        }
    }

    @Test
    void sensorThresholdsAndPerMinuteStatisticsThroughTheRegistry() throws Exception {
        Instant w0 = Instant.parse("2026-11-01T12:00:00Z");
        send("sensor-thresholds", "thr-s1", new SensorThreshold("thr-s1", 20.0));
        send("temperature-readings", "thr-s1", new TemperatureReading("thr-s1", 25.0, w0.plusSeconds(1), null));
        send("temperature-readings", "thr-s1", new TemperatureReading("thr-s1", -5.0, w0.plusSeconds(2), null));
        send("temperature-readings", "thr-s1", new TemperatureReading("thr-s1", 21.0, w0.plusSeconds(70), null));

        List<GenericRecord> alerts = awaitTagged("temperature-alerts", "sensorId", "thr-s1", 2);
        assertEquals(
                List.of(20.0, 20.0),
                alerts.stream().map(a -> a.get("thresholdCelsius")).toList(),
                "the sensor's own threshold, not the default 30.0");

        List<GenericRecord> stats = awaitTagged("temperature-stats", "sensorId", "thr-s1", 1);
        assertEquals(1, stats.size(), "one result per window, once it closed (stream time 10 s past its end)");
        GenericRecord window = stats.get(0);
        assertEquals("TemperatureStats", window.getSchema().getName());
        assertEquals(w0.toEpochMilli(), window.get("windowStart"));
        assertEquals(w0.plusSeconds(60).toEpochMilli(), window.get("windowEnd"));
        assertEquals(2L, window.get("count"));
        assertEquals(-5.0, window.get("minCelsius"));
        assertEquals(25.0, window.get("maxCelsius"));
        assertEquals(10.0, window.get("avgCelsius"));
    }

    @Test
    void errorRatesPerServiceThroughTheRegistry() throws Exception {
        Instant w0 = Instant.parse("2026-11-01T12:00:00Z");
        // Keys other than the service: the pipeline regroups errors by their service field.
        send("app-logs", "host-a", new LogEvent(w0.plusSeconds(1), LogLevel.ERROR, "rate-svc", "rate e1", null));
        send("app-logs", "host-b", new LogEvent(w0.plusSeconds(2), LogLevel.FATAL, "rate-svc", "rate e2", null));
        send("app-logs", "host-c", new LogEvent(w0.plusSeconds(3), LogLevel.WARN, "rate-svc", "rate w", null));
        send("app-logs", "host-a", new LogEvent(w0.plusSeconds(70), LogLevel.ERROR, "rate-svc", "rate e3", null));

        List<GenericRecord> rates = awaitTagged("log-error-rates", "service", "rate-svc", 1);
        assertEquals(1, rates.size());
        assertEquals("ServiceErrorRate", rates.get(0).getSchema().getName());
        assertEquals(w0.toEpochMilli(), rates.get(0).get("windowStart"));
        assertEquals(2L, rates.get(0).get("errorCount"));
    }

    private static void assertDeadLetters(String dlq, List<String> sourceTopics) {
        List<ConsumerRecord<byte[], byte[]>> dead =
                TopicReader.read(STACK.kafka().bootstrapServers(), dlq, sourceTopics.size(), TIMEOUT);
        assertEquals(sourceTopics.size(), dead.size(), dlq);
        List<String> sources = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : dead) {
            assertEquals("poison-key", new String(record.key(), StandardCharsets.UTF_8));
            assertEquals(
                    "org.apache.kafka.common.errors.SerializationException",
                    DeadLetters.header(record.headers(), DeadLetters.EXCEPTION),
                    dlq);
            assertTrue(DeadLetters.header(record.headers(), DeadLetters.MESSAGE).length() > 0);
            sources.add(DeadLetters.header(record.headers(), DeadLetters.TOPIC));
        }
        assertEquals(new TreeSet<>(sourceTopics), new TreeSet<>(sources), dlq);
    }

    @Test
    void theRegistryRejectsAnIncompatibleChangeAndTheAppReadsACompatibleEvolution() throws Exception {
        send("temperature-readings", "evo-s1", new TemperatureReading("evo-s1", 60.0, T0, null));
        awaitTagged("temperature-alerts", "sensorId", "evo-s1", 1);
        SchemaRegistryClient client = new RestSchemaRegistryClient(new AvroSerdeConfig(config.serdeConfig()));
        String subject = "temperature-readings-value";
        Schema v1 = TemperatureReading.getClassSchema();

        // A new field without a default cannot read the readings already written: BACKWARD refuses it.
        Schema incompatible = withField(v1, "{\"name\":\"humidity\",\"type\":\"double\"}");
        assertFalse(SchemaAdmin.check(client, Map.of(subject, incompatible))
                .get(subject)
                .compatible());
        SchemaRegistryException rejected =
                Assertions.assertThrows(SchemaRegistryException.class, () -> client.register(subject, incompatible));
        assertEquals(409, rejected.errorCode());
        assertTrue(rejected.getMessage().contains(subject), rejected.getMessage());

        // An optional field with a default is a compatible evolution: a newer producer writes it, the running app reads
        // it.
        Schema v2 = withField(v1, "{\"name\":\"humidity\",\"type\":[\"null\",\"double\"],\"default\":null}");
        assertTrue(SchemaAdmin.check(client, Map.of(subject, v2)).get(subject).compatible());
        int v2Id = client.register(subject, v2);
        GenericRecord newer = new GenericData.Record(v2);
        newer.put("sensorId", "evo-s2");
        newer.put("celsius", 61.5);
        newer.put("timestamp", T0.toEpochMilli());
        newer.put("location", "roof");
        newer.put("humidity", 0.4);
        sendRaw("temperature-readings", "evo-s2", Wire.encode(v2Id, v2, newer));
        send("temperature-readings", "evo-s3", new TemperatureReading("evo-s3", 62.0, T0, null));

        List<GenericRecord> alerts = awaitTagged("temperature-alerts", "sensorId", "evo-s", 3);
        assertEquals(
                Set.of("evo-s1", "evo-s2", "evo-s3"),
                alerts.stream().map(a -> str(a, "sensorId")).collect(Collectors.toSet()));
        GenericRecord fromV2 = alerts.stream()
                .filter(a -> str(a, "sensorId").equals("evo-s2"))
                .findFirst()
                .orElseThrow();
        assertEquals(61.5, fromV2.get("celsius"));
        assertEquals("roof", str(fromV2, "location"));
        TopicReader.assertNone(
                STACK.kafka().bootstrapServers(),
                "temperature-dlq",
                r -> r.key() != null && "evo-s2".equals(new String(r.key(), StandardCharsets.UTF_8)),
                TIMEOUT,
                "the newer reading is read, not dead-lettered");
        assertTrue(allRunning());
    }

    private static Schema withField(Schema base, String fieldJson) {
        String json = base.toString();
        return new Schema.Parser().parse(json.substring(0, json.length() - 2) + "," + fieldJson + "]}");
    }
}
