package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogLevel;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.testing.InventoryFeed;
import io.eventpipelines.testing.InventoryLedger;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.RegistryDecoder;
import io.eventpipelines.testing.TopicReader;
import io.eventpipelines.testing.Transactions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker goes away for a few seconds while the app is mid-stream and while producers keep writing, then
 * comes back on the same port. The app must recover by itself: every pipeline back to RUNNING without ever
 * failing, nothing lost, nothing dead-lettered. Duplicates are tolerated only where the guarantee allows
 * them: temperature and logs run at-least-once, so their outputs are compared as sets (each expected record
 * at least once, nothing else); inventory runs exactly-once, so each order and restock must be answered once.
 */
class BrokerRestartIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");
    private static final List<Pipeline> PIPELINES = List.of(Pipeline.TEMPERATURE, Pipeline.LOGS, Pipeline.INVENTORY);
    private static final int PER_PHASE = 600;

    @RegisterExtension
    static final RealStack STACK = new RealStack("broker-restart-it-");

    private static AppConfig config;
    private static PipelineRunner runner;

    @BeforeAll
    static void start() throws Exception {
        STACK.kafka().createTopics(2, TopicAdmin.topicsOf(PIPELINES));
        config = AppConfig.of(Map.of(
                "bootstrap.servers",
                STACK.kafka().bootstrapServers(),
                "schema.registry.url",
                STACK.registry().url(),
                "application.id",
                "broker-restart-it",
                "state.dir",
                STACK.dir().resolve("state").toString(),
                "pipelines",
                "temperature,logs,inventory",
                "commit.interval.ms",
                "200"));
        runner = new PipelineRunner(config);
        runner.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void thePipelinesRideOutABrokerRestartWithoutLosingAnything() throws Exception {
        Poll.until(TIMEOUT, "every pipeline RUNNING", BrokerRestartIT::allRunning);
        Map<Pipeline, List<KafkaStreams.State>> history = new ConcurrentHashMap<>();
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        ExecutorService sender = Executors.newSingleThreadExecutor();
        // The runner owns the only state listener a KafkaStreams allows: sample the states instead.
        watcher.scheduleAtFixedRate(
                () -> runner.streams().forEach((pipeline, streams) -> {
                    List<KafkaStreams.State> states =
                            history.computeIfAbsent(pipeline, p -> Collections.synchronizedList(new ArrayList<>()));
                    KafkaStreams.State now = streams.state();
                    if (states.isEmpty() || states.get(states.size() - 1) != now) {
                        states.add(now);
                    }
                }),
                0,
                10,
                TimeUnit.MILLISECONDS);
        AtomicBoolean brokerDown = new AtomicBoolean();
        try (Inputs inputs = new Inputs();
                Outputs outputs = new Outputs();
                Admin admin = STACK.kafka().admin()) {
            try {
                // The broker goes down mid-stream, with an exactly-once transaction open that already wrote updates.
                inputs.send(0);
                inputs.inventory.send(3 * PER_PHASE);
                inputs.flush();
                Poll.until(
                        TIMEOUT,
                        "committed inventory updates, and an open transaction's after them",
                        Transactions.openAfter(admin, InventoryTopology.UPDATES_TOPIC, 50, () -> {
                            inputs.inventory.send(PER_PHASE);
                            inputs.inventory.flush();
                        }));
                Transactions.End atStop = Transactions.end(admin, InventoryTopology.UPDATES_TOPIC);
                int sentAtStop = inputs.inventory.sent();
                long stoppedAt = System.nanoTime();
                brokerDown.set(true);
                STACK.kafka().stopBroker();

                // send() itself blocks while the broker is down (no partition leader to send to), so this thread
                // restarts the broker while another one is stuck sending.
                AtomicBoolean sending = new AtomicBoolean();
                Future<?> blocked = sender.submit(() -> {
                    sending.set(true);
                    inputs.send(1);
                    inputs.flush();
                    return null;
                });
                Poll.until(TIMEOUT, "the second part being sent", sending::get);
                if (blocked.isDone()) {
                    blocked.get(); // a failed send surfaces here
                    throw new AssertionError("records were acknowledged while the broker was down");
                }
                STACK.kafka().startBroker();
                brokerDown.set(false);
                long restartedAt = System.nanoTime();
                blocked.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

                inputs.send(2);
                inputs.flush();
                await(
                        history,
                        "every output after the restart",
                        () -> outputs.poll().containsAll(inputs));
                long caughtUpAt = System.nanoTime();
                outputs.poll(); // late duplicates would arrive with this last read

                int duplicates = assertAtLeastOnceOutputs(inputs, outputs);
                assertExactlyOnceOutputs(inputs, outputs);
                for (Pipeline pipeline : PIPELINES) {
                    TopicReader.assertEmpty(
                            STACK.kafka().bootstrapServers(),
                            pipeline.deadLetterTopic(),
                            TIMEOUT,
                            "an outage is not a poison record");
                }
                await(history, "every pipeline RUNNING again", BrokerRestartIT::allRunning);
                assertFalse(runner.anyFailed(), "no pipeline stopped in ERROR");
                history.forEach((pipeline, states) -> assertTrue(
                        !states.contains(KafkaStreams.State.ERROR)
                                && !states.contains(KafkaStreams.State.PENDING_ERROR),
                        pipeline + " went through " + states));
                System.out.printf(
                        "BrokerRestartIT: broker down %d ms, after %d inventory events, with %s on %s; every "
                                + "output %d ms after the restart; states %s; at-least-once duplicates: %d%n",
                        (restartedAt - stoppedAt) / 1_000_000,
                        sentAtStop,
                        atStop,
                        InventoryTopology.UPDATES_TOPIC,
                        (caughtUpAt - restartedAt) / 1_000_000,
                        history,
                        duplicates);
            } finally {
                if (brokerDown.get()) {
                    STACK.kafka().startBroker(); // before the clients close, so that they do not wait for it in vain
                }
            }
        } finally {
            sender.shutdownNow();
            watcher.shutdownNow();
            sender.awaitTermination(30, TimeUnit.SECONDS);
            watcher.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /** Temperature and logs: exactly the expected records, each at least once. Returns the duplicates seen. */
    private static int assertAtLeastOnceOutputs(Inputs inputs, Outputs outputs) {
        Map<String, Integer> alerts = outputs.identities(TemperatureTopology.ALERTS_TOPIC);
        assertEquals(
                new TreeSet<>(inputs.alerts), new TreeSet<>(alerts.keySet()), "alerts: one per reading above 30.0");
        int duplicates = alerts.values().stream().mapToInt(n -> n - 1).sum();
        Map<String, Set<String>> expectedLogs = inputs.logsByTopic();
        for (String topic : LogRoutingTopology.routedTopics()) {
            Map<String, Integer> routed = outputs.identities(topic);
            assertEquals(expectedLogs.getOrDefault(topic, Set.of()), new TreeSet<>(routed.keySet()), topic);
            duplicates += routed.values().stream().mapToInt(n -> n - 1).sum();
        }
        return duplicates;
    }

    /** Inventory: one update per order and restock, and stock histories that add up. */
    private static void assertExactlyOnceOutputs(Inputs inputs, Outputs outputs) {
        InventoryLedger ledger = outputs.ledger();
        Map<String, Long> wrong =
                InventoryLedger.notExactlyOnce(ledger.countsByIdentity(), inputs.inventory.identities());
        assertTrue(wrong.isEmpty(), wrong.size() + " inventory events not answered exactly once: " + wrong);
        assertEquals(inputs.inventory.sent(), ledger.updates().size());
        assertEquals(List.of(), ledger.violations(), "stock histories");
        assertEquals(ledger.recomputedStock(), ledger.finalStock(), "last stockAfter = restocked - reserved");
    }

    private static void await(Map<Pipeline, List<KafkaStreams.State>> history, String what, BooleanSupplier condition) {
        try {
            Poll.until(TIMEOUT, what, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; pipeline states so far: " + history, e);
        }
    }

    private static boolean allRunning() {
        return runner.streams().size() == PIPELINES.size()
                && runner.streams().values().stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING);
    }

    /** The producers of the three pipelines' input, and what their output must therefore be. */
    private static final class Inputs implements AutoCloseable {
        // Retrying (and blocking in send) for as long as an outage may last, instead of failing.
        private static final Map<String, Object> PATIENT = Map.of(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                120_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                10_000);

        final KafkaProducer<String, TemperatureReading> readings;
        final KafkaProducer<String, LogEvent> logs;
        final InventoryFeed inventory;
        final Set<String> alerts = ConcurrentHashMap.newKeySet();
        final Map<String, String> logTopicByMessage = new ConcurrentHashMap<>();

        Inputs() {
            AvroSerdes serdes = new AvroSerdes(config.serdeConfig());
            readings = producer(serdes, TemperatureReading.class);
            logs = producer(serdes, LogEvent.class);
            inventory = new InventoryFeed(STACK.kafka().bootstrapServers(), config.serdeConfig(), PATIENT, "br", 5, 7L);
        }

        private static <T extends SpecificRecord> KafkaProducer<String, T> producer(AvroSerdes serdes, Class<T> type) {
            Map<String, Object> props = new HashMap<>(PATIENT);
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.kafka().bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            return new KafkaProducer<>(
                    props, new StringSerializer(), serdes.value(type).serializer());
        }

        /** Phase {@code phase}'s readings (a bit under half above 30.0), log events of every level, and inventory events. */
        void send(int phase) {
            LogLevel[] levels = LogLevel.values();
            for (int i = phase * PER_PHASE; i < (phase + 1) * PER_PHASE; i++) {
                String sensor = "sensor-" + (i % 31);
                Instant timestamp = T0.plusMillis(i);
                double celsius = 20.0 + (i % 200) / 10.0;
                readings.send(new ProducerRecord<>(
                        TemperatureTopology.READINGS_TOPIC,
                        sensor,
                        new TemperatureReading(sensor, celsius, timestamp, null)));
                if (celsius > 30.0) {
                    alerts.add(sensor + "@" + timestamp.toEpochMilli());
                }
                LogLevel level = levels[i % levels.length];
                String message = "event " + i;
                logs.send(new ProducerRecord<>(
                        LogRoutingTopology.APP_LOGS_TOPIC,
                        "svc-" + (i % 7),
                        new LogEvent(timestamp, level, "svc-" + (i % 7), message, null)));
                logTopicByMessage.put(message, expectedRoute(level));
            }
            inventory.send(PER_PHASE);
        }

        void flush() {
            readings.flush();
            logs.flush();
            inventory.flush();
        }

        Map<String, Set<String>> logsByTopic() {
            Map<String, Set<String>> byTopic = new TreeMap<>();
            logTopicByMessage.forEach((message, topic) ->
                    byTopic.computeIfAbsent(topic, t -> new TreeSet<>()).add(message));
            return byTopic;
        }

        /** The README's routing table, written out independently of the topology. */
        private static String expectedRoute(LogLevel level) {
            return switch (level) {
                case ERROR, FATAL -> "logs-error";
                case WARN -> "logs-warn";
                case INFO -> "logs-info";
                case DEBUG, TRACE -> "logs-debug";
                default -> "logs-other";
            };
        }

        /** Gives up on unsent records after a few seconds: a test failing with the broker down must still end. */
        @Override
        public void close() {
            readings.close(Duration.ofSeconds(5));
            logs.close(Duration.ofSeconds(5));
            inventory.close();
        }
    }

    /** Every output topic, read from the beginning with read_committed consumers and decoded independently. */
    private static final class Outputs implements AutoCloseable {
        private final RegistryDecoder decoder =
                new RegistryDecoder(STACK.registry().url());
        private final Map<String, TopicReader> readers = new LinkedHashMap<>();
        private final Map<String, List<ConsumerRecord<byte[], byte[]>>> read = new HashMap<>();

        Outputs() {
            List<String> topics =
                    new ArrayList<>(List.of(TemperatureTopology.ALERTS_TOPIC, InventoryTopology.UPDATES_TOPIC));
            topics.addAll(LogRoutingTopology.routedTopics());
            topics.forEach(
                    topic -> readers.put(topic, new TopicReader(STACK.kafka().bootstrapServers(), topic)));
        }

        Outputs poll() {
            readers.forEach((topic, reader) -> read.put(topic, reader.drain()));
            return this;
        }

        boolean containsAll(Inputs inputs) {
            return identities(TemperatureTopology.ALERTS_TOPIC).keySet().containsAll(inputs.alerts)
                    && inputs.logsByTopic().entrySet().stream()
                            .allMatch(e -> identities(e.getKey()).keySet().containsAll(e.getValue()))
                    && ledger().countsByIdentity().keySet().containsAll(inputs.inventory.identities());
        }

        /** How often each alert (sensor@timestamp) or log event (message) occurs in what was read of {@code topic}. */
        Map<String, Integer> identities(String topic) {
            Map<String, Integer> counts = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : read.getOrDefault(topic, List.of())) {
                GenericRecord value = decoder.decode(record.value());
                String identity = topic.equals(TemperatureTopology.ALERTS_TOPIC)
                        ? value.get("sensorId") + "@" + value.get("readingTimestamp")
                        : value.get("message").toString();
                counts.merge(identity, 1, Integer::sum);
            }
            return counts;
        }

        InventoryLedger ledger() {
            return InventoryLedger.of(read.getOrDefault(InventoryTopology.UPDATES_TOPIC, List.of()), decoder);
        }

        @Override
        public void close() {
            readers.values().forEach(TopicReader::close);
        }
    }
}
