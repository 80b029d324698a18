package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.testing.InventoryFeed;
import io.eventpipelines.testing.InventoryLedger;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.RegistryDecoder;
import io.eventpipelines.testing.TopicReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scaling out as the README describes it: a second instance with the same application.id prefix (its own
 * state.dir) joins a running one while input flows and takes over part of the partitions. Together they
 * answer every input exactly once: no alert lost or repeated in the hand-over, and for the stateful
 * inventory pipeline, stock that moves to the new instance and back again when it leaves stays right.
 */
class ScaleOutIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");
    private static final int PARTITIONS = 4;
    private static final int READINGS = 2000;
    private static final int BATCH = 100;
    private static final int INVENTORY_EVENTS = 3000;
    private static final String READINGS_TOPIC = TemperatureTopology.READINGS_TOPIC;

    @RegisterExtension
    static final RealStack STACK = new RealStack("scale-out-it-");

    @BeforeAll
    static void start() throws Exception {
        STACK.kafka().createTopics(PARTITIONS, TopicAdmin.topicsOf(List.of(Pipeline.TEMPERATURE, Pipeline.INVENTORY)));
    }

    /** Instances of one deployment: the same application.id prefix, a state.dir each (they share a host). */
    private static AppConfig config(Pipeline pipeline, String instance) {
        return AppConfig.of(Map.of(
                "bootstrap.servers", STACK.kafka().bootstrapServers(),
                "schema.registry.url", STACK.registry().url(),
                "application.id", "scale-out-it",
                "state.dir",
                        STACK.dir()
                                .resolve(pipeline.id() + "-state-" + instance)
                                .toString(),
                "pipelines", pipeline.id(),
                "commit.interval.ms", "200"));
    }

    @Test
    void aSecondInstanceTakesOverPartitionsAndEveryReadingAlertsExactlyOnce() throws Exception {
        AppConfig configA = config(Pipeline.TEMPERATURE, "a");
        AvroSerdes serdes = new AvroSerdes(configA.serdeConfig());
        RegistryDecoder decoder = new RegistryDecoder(STACK.registry().url());
        Map<String, Double> expected = new ConcurrentHashMap<>();
        Map<Integer, Integer> sentAfterHandOver = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        CountDownLatch handedOver = new CountDownLatch(1);
        ExecutorService feeder = Executors.newSingleThreadExecutor();
        try (PipelineRunner a = new PipelineRunner(configA);
                PipelineRunner b = new PipelineRunner(config(Pipeline.TEMPERATURE, "b"));
                KafkaProducer<String, TemperatureReading> producer = new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                STACK.kafka().bootstrapServers(),
                                ProducerConfig.ACKS_CONFIG,
                                "all"),
                        new StringSerializer(),
                        serdes.value(TemperatureReading.class).serializer())) {
            KafkaStreams streamsA = start(a, Pipeline.TEMPERATURE);
            Poll.until(
                    TIMEOUT,
                    "instance a owns all " + PARTITIONS + " partitions",
                    () -> streamsA.state() == KafkaStreams.State.RUNNING
                            && activePartitions(streamsA, READINGS_TOPIC).size() == PARTITIONS);

            // Paced by the alerts coming out, so that readings are still flowing while b joins and tasks move.
            Future<?> feeding = feeder.submit(() -> {
                try (TopicReader progress =
                        new TopicReader(STACK.kafka().bootstrapServers(), TemperatureTopology.ALERTS_TOPIC)) {
                    for (int from = 0; from < READINGS; from += BATCH) {
                        // Half is held back until b has its tasks, whatever the speed of the join.
                        if (from == READINGS / 2 && !handedOver.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                            throw new AssertionError("b never got its tasks");
                        }
                        boolean afterHandOver = handedOver.getCount() == 0;
                        produce(producer, from, from + BATCH, expected).forEach((partition, n) -> {
                            if (afterHandOver) {
                                sentAfterHandOver.merge(partition, n, Integer::sum);
                            }
                        });
                        sent.set(from + BATCH);
                        Poll.until(
                                TIMEOUT,
                                "alerts catching up with " + sent.get() + " readings",
                                () -> progress.poll().size() >= sent.get() - 2 * BATCH);
                    }
                }
                return null;
            });

            Poll.until(TIMEOUT, "a tenth of the readings sent", () -> sent.get() >= READINGS / 10 || feeding.isDone());
            KafkaStreams streamsB = start(b, Pipeline.TEMPERATURE);
            Poll.until(
                    TIMEOUT,
                    "both instances RUNNING, each with active tasks, together covering every partition",
                    () -> shared(streamsA, streamsB, READINGS_TOPIC));
            Set<Integer> ownedByB = activePartitions(streamsB, READINGS_TOPIC);
            int sentAtHandOver = sent.get();
            handedOver.countDown();
            feeding.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            List<ConsumerRecord<byte[], byte[]>> records;
            try (TopicReader alerts =
                    new TopicReader(STACK.kafka().bootstrapServers(), TemperatureTopology.ALERTS_TOPIC)) {
                Poll.until(
                        TIMEOUT,
                        "an alert for each of " + READINGS + " readings",
                        () -> identities(alerts.drain(), decoder).keySet().containsAll(expected.keySet()));
                records = alerts.drain(); // extra (duplicate) alerts would arrive with this last read
            }
            assertEquals(READINGS, expected.size());
            Map<String, List<GenericRecord>> byReading = identities(records, decoder);
            Map<String, Integer> notOnce = new TreeMap<>();
            byReading.forEach((id, list) -> {
                if (list.size() != 1 || !expected.containsKey(id)) {
                    notOnce.put(id, list.size());
                }
            });
            assertTrue(notOnce.isEmpty(), notOnce.size() + " readings not alerted exactly once: " + notOnce);
            assertEquals(READINGS, records.size(), "alerts");
            for (Map.Entry<String, List<GenericRecord>> entry : byReading.entrySet()) {
                GenericRecord alert = entry.getValue().get(0);
                assertEquals(expected.get(entry.getKey()), (Double) alert.get("celsius"), entry.getKey());
                assertEquals(30.0, (Double) alert.get("thresholdCelsius"), entry.getKey());
            }

            assertEquals(ownedByB, activePartitions(streamsB, READINGS_TOPIC), "no later rebalance moved b's tasks");
            long onB = ownedByB.stream()
                    .mapToLong(p -> sentAfterHandOver.getOrDefault(p, 0))
                    .sum();
            assertTrue(onB > 0, "b's partitions got readings after the hand-over: " + sentAfterHandOver);
            assertTrue(
                    processed(streamsB) >= onB,
                    "b processed the readings of its partitions: " + processed(streamsB) + " < " + onB);
            assertTrue(
                    processed(streamsA) + processed(streamsB) >= READINGS,
                    "a " + processed(streamsA) + " + b " + processed(streamsB));
            assertFalse(a.anyFailed() || b.anyFailed());
            System.out.printf(
                    "ScaleOutIT: b joined after %d readings, took partitions %s; processed a=%d b=%d%n",
                    sentAtHandOver, ownedByB, processed(streamsA), processed(streamsB));
        } finally {
            feeder.shutdownNow();
            feeder.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The stateful pipeline under exactly-once while its tasks, stock store included, move to a new instance
     * and back when that instance leaves: every order and restock must be answered once, and the stock a
     * task continues from after a move must be the one it left (else a product's history breaks).
     */
    @Test
    void inventoryStaysExactlyOnceWhileItsStateMovesBetweenInstances() throws Exception {
        AppConfig configA = config(Pipeline.INVENTORY, "a");
        // The stock lives in the tasks reading the repartition topic: those are the ones to move.
        String stockPartitions = Pipeline.INVENTORY
                .internalTopics(configA.applicationIdPrefix())
                .keySet()
                .iterator()
                .next();
        RegistryDecoder decoder = new RegistryDecoder(STACK.registry().url());
        AtomicInteger sent = new AtomicInteger();
        ExecutorService feeder = Executors.newSingleThreadExecutor();
        try (PipelineRunner a = new PipelineRunner(configA);
                PipelineRunner b = new PipelineRunner(config(Pipeline.INVENTORY, "b"));
                InventoryFeed feed = new InventoryFeed(
                        STACK.kafka().bootstrapServers(), configA.serdeConfig(), Map.of(), "so", 8, 42L)) {
            KafkaStreams streamsA = start(a, Pipeline.INVENTORY);
            Poll.until(
                    TIMEOUT,
                    "instance a owns every stock partition",
                    () -> streamsA.state() == KafkaStreams.State.RUNNING
                            && activePartitions(streamsA, stockPartitions).size() == PARTITIONS);

            // Paced by the committed updates, so that events are in flight whenever tasks move; two fifths and
            // four fifths in, held back until the move is done, however long it takes.
            CountDownLatch scaledOut = new CountDownLatch(1);
            CountDownLatch scaledIn = new CountDownLatch(1);
            Future<?> feeding = feeder.submit(() -> {
                try (TopicReader progress =
                        new TopicReader(STACK.kafka().bootstrapServers(), InventoryTopology.UPDATES_TOPIC)) {
                    while (feed.sent() < INVENTORY_EVENTS) {
                        CountDownLatch gate = feed.sent() == INVENTORY_EVENTS * 2 / 5
                                ? scaledOut
                                : feed.sent() == INVENTORY_EVENTS * 4 / 5 ? scaledIn : new CountDownLatch(0);
                        if (!gate.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                            throw new AssertionError("tasks did not move within " + TIMEOUT);
                        }
                        feed.send(BATCH);
                        feed.flush();
                        sent.set(feed.sent());
                        Poll.until(
                                TIMEOUT,
                                "updates catching up with " + feed.sent() + " events",
                                () -> progress.poll().size() >= feed.sent() - 2 * BATCH);
                    }
                }
                return null;
            });

            Poll.until(
                    TIMEOUT,
                    "a fifth of the events sent",
                    () -> sent.get() >= INVENTORY_EVENTS / 5 || feeding.isDone());
            KafkaStreams streamsB = start(b, Pipeline.INVENTORY);
            Poll.until(
                    TIMEOUT,
                    "both instances RUNNING, each with stock partitions",
                    () -> shared(streamsA, streamsB, stockPartitions));
            int sentAtScaleOut = sent.get();
            Set<Integer> movedToB = activePartitions(streamsB, stockPartitions);
            scaledOut.countDown();
            Poll.until(
                    TIMEOUT,
                    "more events while both run",
                    () -> sent.get() >= sentAtScaleOut + 5 * BATCH || feeding.isDone());
            long processedByB = processed(streamsB);
            b.close(); // scale back in: b's stock moves back to a
            Poll.until(
                    TIMEOUT,
                    "a owns every stock partition again",
                    () -> streamsA.state() == KafkaStreams.State.RUNNING
                            && activePartitions(streamsA, stockPartitions).size() == PARTITIONS);
            int sentAtScaleIn = sent.get();
            scaledIn.countDown();
            feeding.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            Set<String> expected = new HashSet<>(feed.identities());
            InventoryLedger ledger;
            try (TopicReader updates =
                    new TopicReader(STACK.kafka().bootstrapServers(), InventoryTopology.UPDATES_TOPIC)) {
                Poll.until(
                        TIMEOUT,
                        "an update for each of " + expected.size() + " events",
                        () -> InventoryLedger.of(updates.drain(), decoder)
                                .countsByIdentity()
                                .keySet()
                                .containsAll(expected));
                // Extra (duplicate) updates would arrive with this last read.
                ledger = InventoryLedger.of(updates.drain(), decoder);
            }
            Map<String, Long> wrong = InventoryLedger.notExactlyOnce(ledger.countsByIdentity(), expected);
            assertTrue(wrong.isEmpty(), wrong.size() + " events not answered exactly once: " + wrong);
            assertEquals(INVENTORY_EVENTS, ledger.updates().size());
            assertEquals(List.of(), ledger.violations(), "stock histories across the moves");
            assertEquals(ledger.recomputedStock(), ledger.finalStock(), "last stockAfter = restocked - reserved");
            assertTrue(
                    ledger.count("RESERVED", null) > 0 && ledger.count("REJECTED", "OUT_OF_STOCK") > 0,
                    "both outcomes occur: " + ledger.count("RESERVED", null) + " reserved");
            assertTrue(processedByB > 0, "b processed records while it ran");
            assertFalse(a.anyFailed() || b.anyFailed());
            System.out.printf(
                    "ScaleOutIT: inventory b joined after %d events, took stock partitions %s, processed %d; "
                            + "left after %d of %d%n",
                    sentAtScaleOut, movedToB, processedByB, sentAtScaleIn, INVENTORY_EVENTS);
        } finally {
            feeder.shutdownNow();
            feeder.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaStreams start(PipelineRunner runner, Pipeline pipeline) {
        runner.start();
        return runner.streams().get(pipeline);
    }

    /**
     * Sends readings {@code from} (inclusive) to {@code to}, all above the threshold and each told apart by
     * sensor and timestamp, over 97 sensors; returns how many went to each partition.
     */
    private static Map<Integer, Integer> produce(
            KafkaProducer<String, TemperatureReading> producer, int from, int to, Map<String, Double> expected)
            throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String sensor = "sensor-" + (i % 97);
            Instant timestamp = T0.plusMillis(i);
            double celsius = 30.5 + (i % 400) / 10.0;
            sent.add(producer.send(new ProducerRecord<>(
                    TemperatureTopology.READINGS_TOPIC,
                    sensor,
                    new TemperatureReading(sensor, celsius, timestamp, null))));
            expected.put(sensor + "@" + timestamp.toEpochMilli(), celsius);
        }
        Map<Integer, Integer> byPartition = new TreeMap<>();
        for (Future<RecordMetadata> future : sent) {
            byPartition.merge(future.get(30, TimeUnit.SECONDS).partition(), 1, Integer::sum);
        }
        return byPartition;
    }

    private static Map<String, List<GenericRecord>> identities(
            List<ConsumerRecord<byte[], byte[]>> records, RegistryDecoder decoder) {
        return records.stream()
                .map(r -> decoder.decode(r.value()))
                .collect(Collectors.groupingBy(alert -> alert.get("sensorId") + "@" + alert.get("readingTimestamp")));
    }

    /** The partitions of {@code topic} the instance's active tasks read. */
    private static Set<Integer> activePartitions(KafkaStreams streams, String topic) {
        Set<Integer> partitions = new TreeSet<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            thread.activeTasks()
                    .forEach(task -> task.topicPartitions().stream()
                            .filter(tp -> tp.topic().equals(topic))
                            .map(TopicPartition::partition)
                            .forEach(partitions::add));
        }
        return partitions;
    }

    /** Both RUNNING, each with active tasks on {@code topic}, together reading each of its partitions once. */
    private static boolean shared(KafkaStreams a, KafkaStreams b, String topic) {
        if (a.state() != KafkaStreams.State.RUNNING || b.state() != KafkaStreams.State.RUNNING) {
            return false;
        }
        Set<Integer> onA = activePartitions(a, topic);
        Set<Integer> onB = activePartitions(b, topic);
        Set<Integer> union = new HashSet<>(onA);
        union.addAll(onB);
        return !onA.isEmpty() && !onB.isEmpty() && union.size() == PARTITIONS && onA.size() + onB.size() == PARTITIONS;
    }

    /** Records the instance's stream threads processed (Kafka Streams' thread-level process-total). */
    private static long processed(KafkaStreams streams) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> metric : streams.metrics().entrySet()) {
            if (metric.getKey().name().equals("process-total")
                    && metric.getKey().group().equals("stream-thread-metrics")) {
                total += ((Number) metric.getValue().metricValue()).doubleValue();
            }
        }
        return (long) total;
    }
}
