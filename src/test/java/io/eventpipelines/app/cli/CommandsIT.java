package io.eventpipelines.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineRunner;
import io.eventpipelines.avro.AvroSerdeConfig;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.RestSchemaRegistryClient;
import io.eventpipelines.avro.SchemaRegistryClient;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.testing.AppProcess;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.RegistryDecoder;
import io.eventpipelines.testing.TopicReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The commands users run (topics, schemas, produce, run), against a real broker and a real STACK.registry(). The
 * topics test runs first: it starts from a cluster without the app's topics.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommandsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final RealStack STACK = new RealStack("commands-it-");

    private static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    private static Path properties(String name, String... extra) throws IOException {
        List<String> lines =
                new ArrayList<>(List.of("state.dir=" + STACK.dir().resolve("state-" + name), "application.id=" + name));
        lines.addAll(List.of(extra));
        return STACK.properties(name, lines.toArray(String[]::new));
    }

    /**
     * In order, because each step needs the state the previous one left: a run refused for missing topics,
     * topics created (twice: idempotent), a run refused for missing schemas, schemas registered and checked,
     * an incompatible subject named by check.
     */
    @Test
    @Order(1)
    void topicsAndSchemasAreCheckedAtStartAndManagedByTheirCommands() throws Exception {
        Path config = properties("cmd", "auto.register.schemas=false", "topics.partitions=2");

        CliRun noTopics = cli("run", config.toString());
        assertEquals(3, noTopics.exitCode(), noTopics.err());
        assertTrue(
                noTopics.err()
                        .strip()
                        .startsWith("event-pipelines: cannot start: missing topics: app-logs, inventory-dlq"),
                noTopics.err());
        assertEquals(1, noTopics.err().strip().lines().count());

        CliRun created = cli("topics", "create", config.toString(), "--replication-factor", "1");
        assertEquals(0, created.exitCode(), created.err());
        // 5 inputs, 10 outputs (5 log routes), 4 dead-letter topics
        assertEquals(
                19, created.out().lines().filter(l -> l.endsWith("created")).count(), created.out());
        CliRun again = cli("topics", "create", config.toString());
        assertEquals(19, again.out().lines().filter(l -> l.endsWith("exists")).count(), again.out());
        try (Admin admin = STACK.kafka().admin()) {
            TopicDescription orders = admin.describeTopics(List.of("orders"))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get("orders");
            assertEquals(2, orders.partitions().size(), "topics.partitions from the properties file");
            ConfigResource thresholds = new ConfigResource(ConfigResource.Type.TOPIC, "sensor-thresholds");
            assertEquals(
                    "compact",
                    admin.describeConfigs(List.of(thresholds))
                            .all()
                            .get(30, TimeUnit.SECONDS)
                            .get(thresholds)
                            .get("cleanup.policy")
                            .value(),
                    "a table's topic keeps each key's latest value");
        }

        CliRun noSchemas = cli("run", config.toString());
        assertEquals(3, noSchemas.exitCode(), noSchemas.err());
        assertTrue(
                noSchemas.err().contains("schemas not registered (auto.register.schemas=false): app-logs-value"),
                noSchemas.err());
        assertTrue(
                noSchemas.err().contains("cmd-inventory-inventory-commands-by-product-repartition-value"),
                noSchemas.err());

        CliRun registered = cli("schemas", "register", config.toString());
        assertEquals(0, registered.exitCode(), registered.err());
        // 5 inputs, 10 outputs (5 log routes), 5 internal topics with Avro values.
        assertEquals(
                20, registered.out().lines().filter(l -> l.endsWith("BACKWARD")).count(), registered.out());
        CliRun check = cli("schemas", "check", config.toString());
        assertEquals(0, check.exitCode(), check.out() + check.err());
        runsWithRegisteredSchemasOnly(config);

        // Someone registers an Order without userId under NONE: the app's Order can no longer read that subject's
        // latest.
        SchemaRegistryClient client = new RestSchemaRegistryClient(new AvroSerdeConfig(
                Map.of("schema.registry.url", STACK.registry().url())));
        client.updateCompatibility("orders-value", "NONE");
        client.register(
                "orders-value",
                new Schema.Parser()
                        .parse(
                                "{\"type\":\"record\",\"name\":\"Order\","
                                        + "\"namespace\":\"io.eventpipelines.orders\",\"fields\":[{\"name\":\"orderId\",\"type\":\"string\"}]}"));
        client.updateCompatibility("orders-value", "BACKWARD");
        CliRun broken = cli("schemas", "check", config.toString());
        assertEquals(1, broken.exitCode(), broken.out());
        assertTrue(
                broken.out().lines().anyMatch(l -> l.startsWith("orders-value") && l.contains("INCOMPATIBLE")),
                broken.out());
        assertEquals(
                "event-pipelines: incompatible schemas for subjects: orders-value",
                broken.err().strip());
    }

    /** With auto-registration off, the app looks every schema up, the internal repartition subject included. */
    private static void runsWithRegisteredSchemasOnly(Path config) throws Exception {
        AppConfig app = AppConfig.load(config, Map.of());
        try (PipelineRunner runner = new PipelineRunner(app)) {
            runner.start();
            AvroSerdes serdes = new AvroSerdes(app.serdeConfig());
            try (KafkaProducer<String, Restock> restocks = new KafkaProducer<>(
                    Map.of("bootstrap.servers", STACK.kafka().bootstrapServers()),
                    new StringSerializer(),
                    serdes.value(Restock.class).serializer())) {
                restocks.send(new ProducerRecord<>("inventory-restocks", "p-1", new Restock("p-1", 3, Instant.now())))
                        .get(30, TimeUnit.SECONDS);
            }
            List<ConsumerRecord<byte[], byte[]>> updates =
                    TopicReader.read(STACK.kafka().bootstrapServers(), "inventory-updates", 1, TIMEOUT);
            assertEquals(
                    "RESTOCKED",
                    new RegistryDecoder(STACK.registry().url())
                            .decode(updates.get(0).value())
                            .get("status")
                            .toString());
            assertFalse(runner.anyFailed());
        }
    }

    @Test
    void produceWritesReproducibleRecordsThroughTheRegistry() throws Exception {
        Path config = properties("producer");
        RegistryDecoder decoder = new RegistryDecoder(STACK.registry().url());
        List<String> firstRun = produceAndRead(config, decoder, List.of());
        List<String> secondRun = produceAndRead(config, decoder, firstRun);
        assertEquals(40, firstRun.size());
        assertEquals(
                firstRun.stream().sorted().toList(), secondRun.stream().sorted().toList(), "same seed, same records");
        assertEquals(2, cli("produce", "weather", config.toString()).exitCode(), "unknown scenario is a usage error");
    }

    /** Produces 40 readings with seed 7 and returns "key sensorId celsius" of those this run added. */
    private static List<String> produceAndRead(Path config, RegistryDecoder decoder, List<String> earlier) {
        assertEquals(
                0,
                cli("produce", "temperature", config.toString(), "--count", "40", "--rate", "2000", "--seed", "7")
                        .exitCode());
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.read(
                STACK.kafka().bootstrapServers(), "temperature-readings", earlier.size() + 40, TIMEOUT);
        List<String> all = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            GenericRecord reading = decoder.decode(record.value());
            all.add(new String(record.key()) + " " + reading.get("sensorId") + " " + reading.get("celsius"));
        }
        for (String seen : earlier) {
            all.remove(seen);
        }
        all.forEach(line -> assertEquals(line.split(" ")[0], line.split(" ")[1], "keyed by sensorId"));
        return all;
    }

    /**
     * {@code run} in its own JVM, as users start it: SIGTERM closes every pipeline and leaves its group; the
     * JVM then exits with the signal's status, 143.
     */
    @Test
    void runStopsCleanlyOnSigtermAndLeavesItsGroups() throws Exception {
        Path config = properties("sigterm", "pipelines=logs");
        try (AppProcess app = AppProcess.run(config, STACK.dir().resolve("sigterm.log"))) {
            app.await(
                    TIMEOUT,
                    "logs pipeline RUNNING",
                    () -> app.output().contains("Pipeline logs: REBALANCING -> RUNNING"));
            try (Admin admin = STACK.kafka().admin()) {
                assertEquals(1, members(admin, "sigterm-logs"), app.tail());
                int status = app.stop(60); // SIGTERM
                assertTrue(status != -1, "exits after SIGTERM");
                assertEquals(143, status, app.tail());
                assertEquals(
                        0, members(admin, "sigterm-logs"), "left the group instead of waiting for the session timeout");
            }
            assertTrue(app.output().contains("Pipeline logs: PENDING_SHUTDOWN -> NOT_RUNNING"), app.tail());
        }
    }

    /**
     * A first start with the app's own logging: Kafka Streams creates every pipeline's internal topics and looks up
     * their offsets at once, and nothing on the console is an ERROR meanwhile (Kafka's admin client logged up to
     * 120 "Received unknown topic error" lines; see KafkaNoiseFilter).
     */
    @Test
    void aCleanFirstStartLogsNoError() throws Exception {
        Path config = properties("first-start", "topics.auto.create=true");
        Path log = STACK.dir().resolve("first-start.log");
        try (AppProcess app = AppProcess.run(config, log)) {
            for (Pipeline pipeline : Pipeline.values()) {
                app.await(
                        TIMEOUT,
                        pipeline.id() + " RUNNING",
                        () -> app.output().contains("Pipeline " + pipeline.id() + ": REBALANCING -> RUNNING"));
            }
            assertEquals(143, app.stop(60), app.tail());
        }
        List<String> errors = Files.readAllLines(log).stream()
                .filter(line -> line.contains(" ERROR "))
                .toList();
        assertEquals(List.of(), errors);
    }

    /** {@code EVENT_PIPELINES_LOG_FORMAT=json}: every console line is one JSON object, and secrets stay hidden. */
    @Test
    void jsonLogsAreOneObjectPerLineWithSecretsHidden() throws Exception {
        String secret = "LogSecret4d2a";
        Path config = properties(
                "json-logs",
                "pipelines=logs,notifications",
                "topics.auto.create=true",
                "basic.auth.credentials.source=USER_INFO",
                "basic.auth.user.info=app:" + secret);
        Path log = STACK.dir().resolve("json-logs.log");
        try (AppProcess app = AppProcess.run(
                config,
                log,
                Map.of("EVENT_PIPELINES_LOG_FORMAT", "json"),
                Path.of("target", "classes", "logback.xml").toAbsolutePath())) {
            app.await(TIMEOUT, "logs RUNNING", () -> app.output().contains("Pipeline logs: REBALANCING -> RUNNING"));
            assertEquals(143, app.stop(60), app.tail());
        }
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(log);
        Set<String> pipelines = new TreeSet<>();
        for (String line : lines) {
            JsonNode object = json.readTree(line);
            assertTrue(object.isObject() && object.has("level") && object.has("formattedMessage"), line);
            if (object.has("pipeline")) {
                pipelines.add(object.get("pipeline").asText());
            }
            assertFalse(line.contains(secret), "a secret in: " + line);
        }
        assertTrue(lines.size() > 5, "lines logged: " + lines.size());
        assertTrue(pipelines.contains("logs"), "lines attributed to a pipeline: " + pipelines);
    }

    private static int members(Admin admin, String group) throws Exception {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(group);
        return description.members().size();
    }
}
