package io.eventpipelines.app.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineRunner;
import io.eventpipelines.app.TopicAdmin;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.testing.EmbeddedKafka;
import io.eventpipelines.testing.FakeRegistryServer;
import io.eventpipelines.testing.FakeRegistryServer.Response;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.PrometheusText;
import io.eventpipelines.testing.TestFiles;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Liveness sees a pipeline that stopped making progress: records wait on its input while its thread fails the same
 * record over and over (a Schema Registry that answers 503 forever keeps it RUNNING to Kafka Streams, retrying).
 * A pipeline with nothing to do stays healthy.
 */
class StallIT {
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(3);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EmbeddedKafka kafka;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        kafka = new EmbeddedKafka();
        kafka.createTopics(1, TopicAdmin.topicsOf(List.of(Pipeline.TEMPERATURE)));
        dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "stall-it-");
    }

    @AfterAll
    static void stop() throws Exception {
        try (AutoCloseable k = kafka) {
            TestFiles.deleteRecursively(dir);
        }
    }

    private static HttpResponse<String> live(int port) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPipelineBehindOnItsInputWithoutProgressFailsLivenessAnIdleOneDoesNot() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (FakeRegistryServer registry =
                FakeRegistryServer.answering(Response.error(503, 50301, "Service Unavailable"))) {
            AppConfig config = AppConfig.of(Map.of(
                    "bootstrap.servers",
                    kafka.bootstrapServers(),
                    "schema.registry.url",
                    registry.url(),
                    "application.id",
                    "stall-it",
                    "pipelines",
                    "temperature",
                    "state.dir",
                    dir.resolve("state").toString(),
                    "http.port",
                    String.valueOf(port),
                    "http.host",
                    "127.0.0.1",
                    AppConfig.HEALTH_STALL_TIMEOUT_CONFIG,
                    String.valueOf(STALL_TIMEOUT.toMillis()),
                    // The stuck thread waits for the registry; closing ends that wait after half of this.
                    AppConfig.SHUTDOWN_TIMEOUT_CONFIG,
                    "4000"));
            Logger progressLog = (Logger) LoggerFactory.getLogger("io.eventpipelines.app.Progress");
            ListAppender<ILoggingEvent> errors = new ListAppender<>();
            errors.start();
            progressLog.addAppender(errors);
            try (PipelineRunner runner = new PipelineRunner(config);
                    AutoCloseable http = closing(runner, config);
                    AutoCloseable detach = () -> progressLog.detachAppender(errors)) {
                Poll.until(Duration.ofSeconds(60), "the pipeline RUNNING", runner::isReady);
                // Idle for twice the stall timeout: nothing to do is not a stall.
                assertFalse(
                        Poll.within(
                                STALL_TIMEOUT.multipliedBy(2), () -> live(port).statusCode() != 200),
                        "liveness stays 200 while idle: " + live(port).body());

                // A reading whose schema the (unavailable) registry must be asked for: retried, never processed.
                byte[] value = {0, 0, 0, 0, 1, 2, 3};
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(
                                    TemperatureTopology.READINGS_TOPIC, "s-1".getBytes(StandardCharsets.UTF_8), value))
                            .get();
                }
                long sent = System.nanoTime();
                Poll.until(
                        STALL_TIMEOUT.plusSeconds(20), "liveness 503 naming the stalled pipeline and partition", () -> {
                            HttpResponse<String> response = live(port);
                            return response.statusCode() == 503
                                    && response.body()
                                            .contains("\"stalled\":{\"temperature\":{\"temperature-readings-0\":1}}");
                        });
                Duration took = Duration.ofNanos(System.nanoTime() - sent);
                assertTrue(took.compareTo(STALL_TIMEOUT) >= 0, "not before the timeout: " + took);
                // Where the stalled pipeline's threads wait is in the log, before a restart loses it.
                progressLog.detachAppender(errors); // the sampler appends no more while the list is read
                String stacks = errors.list.stream()
                        .map(ILoggingEvent::getFormattedMessage)
                        .filter(message -> message.startsWith("Threads of the stalled pipeline temperature"))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no thread stacks logged: " + errors.list));
                assertTrue(stacks.matches("(?s).*\n\"stall-it-temperature-[^\"]*-StreamThread-\\d+\" .*"), stacks);
                assertTrue(stacks.contains("org.apache.kafka.streams.processor.internals.StreamThread.run"), stacks);
                assertEquals(
                        1.0,
                        PrometheusText.sum(
                                runner.metrics().scrape(),
                                "eventpipelines_records_behind",
                                Map.of("pipeline", "temperature")),
                        "the lag gauge");
            }
        }
    }

    private static AutoCloseable closing(PipelineRunner runner, AppConfig config) {
        runner.start();
        HttpEndpoint http = HttpEndpoint.startIfEnabled(config, runner).orElseThrow();
        return http::close;
    }
}
