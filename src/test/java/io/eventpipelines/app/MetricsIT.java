package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.PrometheusText;
import io.eventpipelines.testing.RealStack;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The metrics endpoint across a stream thread's replacement: Kafka Streams replaces a thread (after an uncaught
 * exception answered with REPLACE_THREAD, as a registry outage is) by retiring it and starting a new one, which
 * {@code removeStreamThread} and {@code addStreamThread} do on demand. Afterwards the scrape shows the new thread's
 * metrics and none of the retired one's, and the app's own counters have counted every record exactly once.
 */
class MetricsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String THREAD_METRIC = "kafka_stream_thread_process_total";
    private static final String STORE_METRIC = "kafka_stream_state_record_e2e_latency_max";
    private static final String ALERTS = "eventpipelines_temperature_alerts_total";

    @RegisterExtension
    static final RealStack STACK = new RealStack("metrics-it-");

    @BeforeAll
    static void start() throws Exception {
        STACK.kafka().createTopics(2, TopicAdmin.topicsOf(List.of(Pipeline.TEMPERATURE)));
    }

    @Test
    void aReplacedStreamThreadsMetricsFollowItAndTheAppsCountersKeepCounting() throws Exception {
        AppConfig config = AppConfig.of(Map.of(
                "bootstrap.servers",
                STACK.kafka().bootstrapServers(),
                "schema.registry.url",
                STACK.registry().url(),
                "application.id",
                "metrics-it",
                "state.dir",
                STACK.dir().resolve("state").toString(),
                "pipelines",
                Pipeline.TEMPERATURE.id(),
                "commit.interval.ms",
                "100",
                AppConfig.METRICS_REFRESH_CONFIG,
                "200"));
        AvroSerdes serdes = new AvroSerdes(config.serdeConfig());
        // Micrometer warns when a binder registers a meter twice: the store metrics' renamed tag made its Kafka
        // binder do that at every change of the metric set.
        Logger registryLog = (Logger) LoggerFactory.getLogger(MeterRegistry.class);
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        registryLog.addAppender(warnings);
        try (PipelineRunner runner = new PipelineRunner(config);
                KafkaProducer<String, TemperatureReading> producer = new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                STACK.kafka().bootstrapServers(),
                                ProducerConfig.ACKS_CONFIG,
                                "all"),
                        new StringSerializer(),
                        serdes.value(TemperatureReading.class).serializer())) {
            runner.start();
            KafkaStreams streams = runner.streams().get(Pipeline.TEMPERATURE);
            Poll.until(
                    TIMEOUT, "the temperature pipeline RUNNING", () -> streams.state() == KafkaStreams.State.RUNNING);
            String first = single(threads(streams));

            send(producer, 0, 20);
            Poll.until(
                    TIMEOUT,
                    "20 alerts counted and the first thread's metrics scraped",
                    () -> scrape(runner, ALERTS, Map.of("pipeline", "temperature")) == 20
                            && scrape(runner, THREAD_METRIC, Map.of("thread_id", first)) > 0);
            // An in-memory table and a RocksDB window store: a store metric for each, though Kafka tags them
            // with different keys.
            Poll.until(
                    TIMEOUT,
                    "both stores' metrics scraped",
                    () -> scrape(runner, STORE_METRIC, Map.of("store", TemperatureTopology.THRESHOLDS_STORE)) != -1
                            && scrape(runner, STORE_METRIC, Map.of("store", TemperatureTopology.STATS_STORE)) != -1);

            Optional<String> replacement = streams.addStreamThread();
            assertTrue(replacement.isPresent(), "a thread added");
            Optional<String> retired = streams.removeStreamThread();
            assertEquals(Optional.of(first), retired, "the first thread retired");
            Poll.until(
                    TIMEOUT,
                    "the replacement alone RUNNING",
                    () -> streams.state() == KafkaStreams.State.RUNNING
                            && threads(streams).equals(Set.of(replacement.get())));

            send(producer, 20, 50);
            Poll.until(
                    TIMEOUT,
                    "every alert counted once, the replacement's metrics scraped and the retired one's gone",
                    () -> scrape(runner, ALERTS, Map.of("pipeline", "temperature")) == 50
                            && scrape(runner, THREAD_METRIC, Map.of("thread_id", replacement.get())) > 0
                            && scrape(runner, THREAD_METRIC, Map.of("thread_id", first)) == -1
                            && scrape(runner, STORE_METRIC, Map.of("thread_id", replacement.get())) != -1
                            && scrape(runner, STORE_METRIC, Map.of("thread_id", first)) == -1);
        }
        registryLog.detachAppender(warnings);
        assertEquals(
                List.of(),
                warnings.list.stream().map(ILoggingEvent::getFormattedMessage).toList(),
                "what Micrometer's registry warned about");
        // Closed with the pipelines: the binder's refresh thread does not outlive them.
        Poll.until(
                Duration.ofSeconds(10),
                "no metrics refresh thread left",
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(thread ->
                                thread.isAlive() && thread.getName().equals("metrics-" + Pipeline.TEMPERATURE.id())));
    }

    private static double scrape(PipelineRunner runner, String metric, Map<String, String> labels) {
        return PrometheusText.sum(runner.metrics().scrape(), metric, labels);
    }

    private static Set<String> threads(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream()
                .map(ThreadMetadata::threadName)
                .collect(Collectors.toSet());
    }

    private static String single(Set<String> threads) {
        assertEquals(1, threads.size(), "threads: " + threads);
        return threads.iterator().next();
    }

    /** Readings {@code from} (inclusive) to {@code to}, each above the default threshold, over 7 sensors. */
    private static void send(KafkaProducer<String, TemperatureReading> producer, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            String sensor = "sensor-" + (i % 7);
            producer.send(new ProducerRecord<>(
                    TemperatureTopology.READINGS_TOPIC,
                    sensor,
                    TemperatureReading.newBuilder()
                            .setSensorId(sensor)
                            .setCelsius(TemperatureTopology.DEFAULT_THRESHOLD_CELSIUS + 1 + i)
                            .setTimestamp(Instant.now())
                            .setLocation("hall")
                            .build()));
        }
        producer.flush();
    }
}
