package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.cli.CliRun;
import io.eventpipelines.app.cli.ExitCodes;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.SchemaRegistryClient;
import io.eventpipelines.avro.SchemaRegistryClients;
import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogLevel;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.testing.FakeRegistryServer;
import io.eventpipelines.testing.FakeRegistryServer.Response;
import io.eventpipelines.testing.InventoryFeed;
import io.eventpipelines.testing.InventoryLedger;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.RegistryDecoder;
import io.eventpipelines.testing.TopicReader;
import io.eventpipelines.testing.Transactions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An output the registry cannot take, on a real broker and a real registry: an outage at an output's first
 * registration (through a proxy in front of Apicurio that fails just that request) and an output subject whose
 * schema is incompatible. Neither may dead-letter a good input, and once the registry or the deployment is fixed,
 * every input is answered once.
 */
class OutputFailuresIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    static final RealStack STACK = new RealStack("output-failures-it-");

    @BeforeAll
    static void topics() throws Exception {
        STACK.kafka()
                .createTopics(
                        2,
                        List.of(
                                TemperatureTopology.READINGS_TOPIC,
                                TemperatureTopology.ALERTS_TOPIC,
                                TemperatureTopology.STATS_TOPIC,
                                Pipeline.TEMPERATURE.deadLetterTopic(),
                                InventoryTopology.ORDERS_TOPIC,
                                InventoryTopology.RESTOCKS_TOPIC,
                                InventoryTopology.UPDATES_TOPIC,
                                Pipeline.INVENTORY.deadLetterTopic()));
        STACK.kafka().createTopics(1, List.of(TemperatureTopology.THRESHOLDS_TOPIC));
        // logs-info refuses records over 1 KiB, for the test of an output the broker refuses.
        String infoTopic = LogRoutingTopology.Route.INFO.topic();
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(LogRoutingTopology.APP_LOGS_TOPIC, 1, (short) 1));
        for (String topic : Pipeline.LOGS.outputTopics()) {
            var newTopic = new NewTopic(topic, 1, (short) 1);
            topics.add(topic.equals(infoTopic) ? newTopic.configs(Map.of("max.message.bytes", "1024")) : newTopic);
        }
        try (Admin admin = STACK.kafka().admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Temperature runs at-least-once: Kafka's default handler dead-lettered the reading once per retry here. */
    @Test
    void anOutageAtAnOutputsFirstRegistrationIsRetriedAndDeadLettersNothing() throws Exception {
        String alertsSubject = TemperatureTopology.ALERTS_TOPIC + "-value";
        AtomicBoolean outage = new AtomicBoolean(true);
        AtomicInteger refused = new AtomicInteger();
        var forward = FakeRegistryServer.forwardingTo(STACK.registry().url());
        int readings = 10;
        try (FakeRegistryServer proxy = new FakeRegistryServer();
                Admin admin = STACK.kafka().admin()) {
            proxy.respondWith(request -> {
                if (outage.get()
                        && request.method().equals("POST")
                        && request.rawPath().equals("/subjects/" + alertsSubject + "/versions")) {
                    refused.incrementAndGet();
                    return Response.error(503, 50301, "Service Unavailable");
                }
                return forward.apply(request);
            });
            AppConfig config = AppConfig.of(Map.of(
                    "bootstrap.servers", STACK.kafka().bootstrapServers(),
                    "schema.registry.url", proxy.url(),
                    "application.id", "output-outage",
                    "state.dir", STACK.dir().resolve("outage-state").toString(),
                    "pipelines", "temperature",
                    "max.retries", "1",
                    "retries.wait.ms", "200",
                    // A replaced stream thread's consumer does not leave its group: its partitions move to the new
                    // thread after the session timeout (45 s by default), once per retry.
                    "session.timeout.ms", "6000"));
            PipelineRunner runner = new PipelineRunner(config);
            try {
                runner.start();
                sendHotReadings(readings);
                Poll.until(TIMEOUT, "the alerts' registration refused, the task retried", () -> refused.get() >= 4);

                assertEquals(
                        0,
                        Transactions.end(admin, Pipeline.TEMPERATURE.deadLetterTopic())
                                .highWatermark(),
                        "a good reading dead-lettered during the outage");
                assertEquals(
                        0,
                        Transactions.end(admin, TemperatureTopology.ALERTS_TOPIC)
                                .highWatermark());
                assertTrue(runner.isLive(), "an outage is retried, it stops nothing");

                outage.set(false);
                List<ConsumerRecord<byte[], byte[]>> alerts = TopicReader.read(
                        STACK.kafka().bootstrapServers(), TemperatureTopology.ALERTS_TOPIC, readings, TIMEOUT);
                Set<String> sensors = new HashSet<>();
                alerts.forEach(alert -> sensors.add(new String(alert.key(), StandardCharsets.UTF_8)));
                assertEquals(readings, sensors.size(), "one alert per hot reading: " + sensors);
                assertEquals(
                        readings,
                        Transactions.end(admin, TemperatureTopology.ALERTS_TOPIC)
                                .highWatermark(),
                        "each reading answered once");
                assertEquals(
                        0,
                        Transactions.end(admin, Pipeline.TEMPERATURE.deadLetterTopic())
                                .highWatermark(),
                        "nothing dead-lettered after the recovery either");
                System.out.printf(
                        "OutputFailuresIT: alerts' registration refused %d times, %d alerts after the outage%n",
                        refused.get(), alerts.size());
            } finally {
                runner.close();
            }
        }
    }

    /**
     * Inventory runs exactly-once: with Kafka's default handler, a 409 on inventory-updates dead-lettered the internal
     * command twice and went on, committing a stock change without its update. Now the app stops with exit code 5
     * and one line, commits nothing, and after the subject is fixed every order and restock is answered once.
     */
    @Test
    void anIncompatibleOutputSubjectStopsEveryPipelineAndLosesNothing() throws Exception {
        String updatesSubject = InventoryTopology.UPDATES_TOPIC + "-value";
        SchemaRegistryClient registry = SchemaRegistryClients.forConfig(
                Map.of("schema.registry.url", STACK.registry().url()));
        // An earlier InventoryUpdate that the app's schema cannot read (BACKWARD): its fields have no defaults there.
        registry.register(
                updatesSubject,
                new Schema.Parser()
                        .parse(
                                "{\"type\":\"record\",\"name\":\"InventoryUpdate\","
                                        + "\"namespace\":\"io.eventpipelines.orders\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"}]}"));
        var properties = STACK.properties(
                "inventory",
                "application.id=output-refused",
                "state.dir=" + STACK.dir().resolve("refused-state"),
                "pipelines=inventory",
                "session.timeout.ms=6000");
        Map<String, Object> serdeConfig = AppConfig.load(properties, Map.of()).serdeConfig();
        ExecutorService cli = Executors.newSingleThreadExecutor();
        try (InventoryFeed feed =
                        new InventoryFeed(STACK.kafka().bootstrapServers(), serdeConfig, Map.of(), "rf", 4, 11L);
                TopicReader committed =
                        new TopicReader(STACK.kafka().bootstrapServers(), InventoryTopology.UPDATES_TOPIC);
                Admin admin = STACK.kafka().admin()) {
            feed.send(200);
            feed.flush();
            Future<CliRun> run = cli.submit(() -> CliRun.of("run", properties.toString()));
            CliRun stopped = run.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            assertEquals(ExitCodes.SCHEMA_REFUSED, stopped.exitCode(), stopped.err());
            List<String> lines = stopped.err().lines().toList();
            assertEquals(1, lines.size(), "one line: " + stopped.err());
            assertTrue(
                    lines.get(0)
                                    .startsWith("event-pipelines: schema refused: pipeline inventory: subject '"
                                            + updatesSubject + "'")
                            && lines.get(0).contains("409"),
                    lines.get(0));
            assertEquals(
                    0,
                    Transactions.end(admin, Pipeline.INVENTORY.deadLetterTopic())
                            .highWatermark(),
                    "nothing dead-lettered for a deployment error");
            assertEquals(0, committed.drain().size(), "no update committed");

            // The deployment is fixed: the subject takes the app's schema as a new version.
            registry.updateCompatibility(updatesSubject, "NONE");
            PipelineRunner runner = new PipelineRunner(AppConfig.load(properties, Map.of()));
            try {
                runner.start();
                feed.send(100);
                feed.flush();
                Set<String> expected = new HashSet<>(feed.identities());
                RegistryDecoder decoder = new RegistryDecoder(STACK.registry().url());
                Poll.until(
                        TIMEOUT,
                        "an update for each of " + expected.size() + " events",
                        () -> InventoryLedger.of(committed.drain(), decoder)
                                .countsByIdentity()
                                .keySet()
                                .containsAll(expected));
                InventoryLedger ledger = InventoryLedger.of(committed.drain(), decoder);
                Map<String, Long> wrong = InventoryLedger.notExactlyOnce(ledger.countsByIdentity(), expected);
                assertTrue(wrong.isEmpty(), "not answered exactly once: " + wrong);
                assertTrue(ledger.violations().isEmpty(), String.join("\n", ledger.violations()));
                assertEquals(
                        ledger.recomputedStock(), ledger.finalStock(), "no stock change committed without its update");
                assertEquals(
                        0,
                        Transactions.end(admin, Pipeline.INVENTORY.deadLetterTopic())
                                .highWatermark());
            } finally {
                runner.close();
            }
        } finally {
            cli.shutdownNow();
        }
    }

    /**
     * An output the broker refuses (here larger than its topic's max.message.bytes) fails the pipeline, which
     * stops; nothing is dead-lettered. Kafka Streams reports a failed send at the next record's send, inside that
     * record's processing: dead-lettering there would put an innocent record in the DLQ, commit its offset and
     * lose the refused output.
     */
    @Test
    void anOutputTheBrokerRefusesStopsThePipelineAndDeadLettersNothing() throws Exception {
        try (Admin admin = STACK.kafka().admin()) {
            PipelineRunner runner = new PipelineRunner(AppConfig.of(Map.of(
                    "bootstrap.servers", STACK.kafka().bootstrapServers(),
                    "schema.registry.url", STACK.registry().url(),
                    "application.id", "output-too-large",
                    "state.dir", STACK.dir().resolve("too-large-state").toString(),
                    "pipelines", "logs")));
            Map<String, Object> props = new HashMap<>();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.kafka().bootstrapServers());
            Serializer<LogEvent> serializer = new AvroSerdes(
                            Map.of("schema.registry.url", STACK.registry().url()))
                    .value(LogEvent.class)
                    .serializer();
            try (KafkaProducer<String, byte[]> producer =
                    new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
                runner.start();
                Poll.until(TIMEOUT, "logs RUNNING", runner::isReady);
                Consumer<String> log = message -> producer.send(new ProducerRecord<>(
                        LogRoutingTopology.APP_LOGS_TOPIC,
                        "svc",
                        serializer.serialize(
                                LogRoutingTopology.APP_LOGS_TOPIC,
                                new LogEvent(Instant.now(), LogLevel.INFO, "svc", message, null))));
                log.accept("x".repeat(4000));
                producer.flush();
                // Good records keep coming after the refused one, as in production.
                int[] sent = {0};
                Poll.until(TIMEOUT, "the logs pipeline to stop", () -> {
                    log.accept("small " + sent[0]++);
                    producer.flush();
                    KafkaStreams.State state = runner.states().get(Pipeline.LOGS);
                    return state == KafkaStreams.State.ERROR
                            || Transactions.end(admin, Pipeline.LOGS.deadLetterTopic())
                                            .highWatermark()
                                    > 0;
                });
                assertEquals(
                        0,
                        Transactions.end(admin, Pipeline.LOGS.deadLetterTopic()).highWatermark(),
                        "a good record dead-lettered for another's refused output");
                assertEquals(KafkaStreams.State.ERROR, runner.states().get(Pipeline.LOGS));
                System.out.printf("OutputFailuresIT: logs stopped after %d more records%n", sent[0]);
            } finally {
                runner.close();
            }
        }
    }

    /**
     * Stream threads of two pipelines wait for a registry that never answers their lookups: closing still keeps to
     * shutdown.timeout.ms, all pipelines together, and leaves them stopped, not still waiting.
     */
    @Test
    void closingKeepsToTheShutdownTimeoutWhileTheRegistryHangs() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger hung = new AtomicInteger();
        try (FakeRegistryServer registry = new FakeRegistryServer()) {
            registry.respondWith(request -> {
                if (request.rawPath().startsWith("/schemas/ids/")) {
                    hung.incrementAndGet();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Response.error(503, 50301, "released");
                }
                return request.rawPath().equals("/subjects")
                        ? Response.ok("[]")
                        : Response.error(404, 40401, "Subject not found");
            });
            PipelineRunner runner = new PipelineRunner(AppConfig.of(Map.of(
                    "bootstrap.servers", STACK.kafka().bootstrapServers(),
                    "schema.registry.url", registry.url(),
                    "application.id", "registry-hang",
                    "state.dir", STACK.dir().resolve("hang-state").toString(),
                    "pipelines", "temperature,logs",
                    "schema.registry.call.timeout.ms", "60000",
                    "shutdown.timeout.ms", "4000")));
            try {
                runner.start();
                // Good records, written with the real registry's ids (other tests read these topics too): the hung
                // registry is asked for their schemas, one id per pipeline, and never answers.
                Map<String, Object> props = Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.kafka().bootstrapServers());
                AvroSerdes apicurio = new AvroSerdes(
                        Map.of("schema.registry.url", STACK.registry().url()));
                String logs = LogRoutingTopology.APP_LOGS_TOPIC;
                try (KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(
                            TemperatureTopology.READINGS_TOPIC,
                            "cold",
                            apicurio.value(TemperatureReading.class)
                                    .serializer()
                                    .serialize(
                                            TemperatureTopology.READINGS_TOPIC,
                                            new TemperatureReading("cold", 12.0, Instant.now(), null))));
                    producer.send(new ProducerRecord<>(
                            logs,
                            "svc",
                            apicurio.value(LogEvent.class)
                                    .serializer()
                                    .serialize(
                                            logs,
                                            new LogEvent(
                                                    Instant.now(),
                                                    LogLevel.DEBUG,
                                                    "svc",
                                                    "while the registry hangs",
                                                    null))));
                }
                Poll.until(TIMEOUT, "both pipelines waiting for the registry", () -> hung.get() >= 2);

                long start = System.nanoTime();
                runner.close();
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMs < 4000 + 1500, "close took " + tookMs + " ms with shutdown.timeout.ms=4000");
                runner.states()
                        .forEach((pipeline, state) -> assertEquals(
                                KafkaStreams.State.NOT_RUNNING,
                                state,
                                pipeline.id() + " still closing when close() returned"));
                System.out.printf("OutputFailuresIT: closed in %d ms while the registry hung%n", tookMs);
            } finally {
                release.countDown();
                runner.close();
            }
        }
    }

    /** Apicurio's root instead of its Confluent-compatible API: the app must not start and fail every record. */
    @Test
    void aRegistryUrlAtApicuriosRootStopsTheStartWithExitThree() throws Exception {
        String root = STACK.registry().url().replace("/apis/ccompat/v7", "");
        var properties = STACK.dir().resolve("root.properties");
        Files.writeString(
                properties,
                String.join(
                        "\n",
                        "bootstrap.servers=" + STACK.kafka().bootstrapServers(),
                        "schema.registry.url=" + root,
                        "application.id=registry-root",
                        "state.dir=" + STACK.dir().resolve("root-state"),
                        "pipelines=temperature",
                        "max.retries=0",
                        ""));
        CliRun run = CliRun.of("run", properties.toString());
        assertEquals(ExitCodes.NOT_READY, run.exitCode(), run.err());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(
                lines.get(0)
                        .startsWith("event-pipelines: cannot start: Schema Registry " + root + " does not answer as a "
                                + "Confluent-compatible Schema Registry API"),
                lines.get(0));
    }

    private static void sendHotReadings(int count) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.kafka().bootstrapServers());
        Serializer<TemperatureReading> serializer = new AvroSerdes(
                        Map.of("schema.registry.url", STACK.registry().url()))
                .value(TemperatureReading.class)
                .serializer();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                String sensor = "hot-" + i;
                producer.send(new ProducerRecord<>(
                        TemperatureTopology.READINGS_TOPIC,
                        sensor,
                        serializer.serialize(
                                TemperatureTopology.READINGS_TOPIC,
                                new TemperatureReading(sensor, 45.0, Instant.now(), null))));
            }
        }
    }
}
