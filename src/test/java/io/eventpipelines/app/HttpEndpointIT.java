package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.PrometheusText;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two instances with their HTTP endpoints: interactive queries answered by either, health, topology, metrics. */
class HttpEndpointIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int PRODUCTS = 24;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final RealStack STACK = new RealStack("http-it-");
    private static final List<PipelineRunner> runners = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        STACK.kafka().createTopics(4, TopicAdmin.topicsOf(List.of(Pipeline.INVENTORY, Pipeline.TEMPERATURE)));
    }

    @AfterAll
    static void stop() throws Exception {
        runners.forEach(PipelineRunner::close);
    }

    private static PipelineRunner instance(String name) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> settings = new HashMap<>(Map.of(
                "bootstrap.servers", STACK.kafka().bootstrapServers(),
                "schema.registry.url", STACK.registry().url(),
                "application.id", "http-it",
                "pipelines", "inventory,temperature",
                "state.dir", STACK.dir().resolve(name).toString(),
                "http.port", String.valueOf(port),
                "http.host", "127.0.0.1",
                "application.server", "127.0.0.1:" + port,
                "commit.interval.ms", "100",
                "metrics.refresh.interval.ms", "500"));
        PipelineRunner runner = new PipelineRunner(AppConfig.of(settings));
        runners.add(runner);
        runner.start();
        return runner;
    }

    private static HttpResponse<String> get(PipelineRunner runner, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runner.httpPort() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    private static boolean running(PipelineRunner runner) {
        return runner.states().values().stream().allMatch(state -> state == KafkaStreams.State.RUNNING);
    }

    @Test
    void anyInstanceAnswersForEveryKeyAndReportsHealthTopologyAndMetrics() throws Exception {
        PipelineRunner a = instance("a");
        PipelineRunner b = instance("b");
        Poll.until(TIMEOUT, "both instances RUNNING", () -> running(a) && running(b)
                && get(a, "/health/ready").statusCode() == 200 && get(b, "/health/ready").statusCode() == 200);

        AvroSerdes serdes = new AvroSerdes(Map.of("schema.registry.url", STACK.registry().url()));
        Map<String, Integer> expected = new HashMap<>();
        try (KafkaProducer<String, Restock> producer = new KafkaProducer<>(Map.of("bootstrap.servers", STACK.kafka().bootstrapServers()),
                new StringSerializer(), serdes.value(Restock.class).serializer())) {
            for (int i = 0; i < PRODUCTS; i++) {
                String product = String.format("http-p%02d", i);
                expected.put(product, 10 + i);
                producer.send(new ProducerRecord<>(InventoryTopology.RESTOCKS_TOPIC, product, new Restock(product, 10 + i, Instant.now())));
            }
            producer.flush();
        }
        // Both instances own some of the keys, so some answers are local and some forwarded.
        Set<Integer> owners = new HashSet<>();
        KafkaStreams inventoryA = a.streams().get(Pipeline.INVENTORY);
        for (String product : expected.keySet()) {
            KeyQueryMetadata metadata = inventoryA.queryMetadataForKey(InventoryTopology.STOCK_STORE, product, Serdes.String().serializer());
            owners.add(metadata.activeHost().port());
        }
        assertEquals(Set.of(a.httpPort(), b.httpPort()), owners, "keys are spread over both instances");

        for (PipelineRunner asked : List.of(a, b)) {
            for (Map.Entry<String, Integer> product : expected.entrySet()) {
                Poll.until(TIMEOUT, product.getKey() + " restocked", () -> get(asked, "/inventory/" + product.getKey()).statusCode() == 200);
                JsonNode body = json(get(asked, "/inventory/" + product.getKey()));
                assertEquals(product.getKey(), body.get("productId").asText());
                assertEquals(product.getValue(), body.get("stock").asInt());
            }
            assertEquals(404, get(asked, "/inventory/no-such-product").statusCode());
        }

        Map<String, Integer> paged = new HashMap<>();
        String after = null;
        int pages = 0;
        do {
            JsonNode page = json(get(b, "/inventory?limit=10" + (after == null ? "" : "&after=" + after)));
            page.get("items").forEach(item -> paged.put(item.get("productId").asText(), item.get("stock").asInt()));
            after = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (after != null);
        assertEquals(expected, paged);
        assertEquals(3, pages);

        JsonNode ready = json(get(a, "/health/ready"));
        assertEquals("UP", ready.get("status").asText());
        assertEquals("RUNNING", ready.get("pipelines").get("inventory").asText());
        assertEquals(200, get(a, "/health/live").statusCode());
        assertTrue(json(get(a, "/topology")).get("inventory").asText().contains(InventoryTopology.STOCK_STORE));

        Poll.until(TIMEOUT, "topic metrics bound", () -> get(a, "/metrics").body().contains("kafka_stream_topic_records_produced_total"));
        String metrics = get(a, "/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("jvm_memory_used_bytes{")), "JVM metrics");
        assertNotNull(metrics.lines().filter(l -> l.startsWith("kafka_stream_") && l.contains("pipeline=\"inventory\""))
                .findFirst().orElse(null), "Kafka Streams metrics tagged by pipeline");
        // Kafka Streams' topic-level metrics count what each pipeline wrote where: restocks answered here.
        double restocked = metrics.lines()
                .filter(l -> l.startsWith("kafka_stream_topic_records_produced_total{") && l.contains("topic=\"inventory-updates\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertTrue(restocked > 0, metrics);
        for (String line : metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList()) {
            String value = line.substring(line.lastIndexOf(' ') + 1);
            Double.parseDouble(value); // every sample line parses as Prometheus text
        }
        // The app's own counter is per instance: the two together counted each restock once.
        Map<String, String> restocks = Map.of("pipeline", "inventory", "status", "RESTOCKED");
        Poll.until(TIMEOUT, "every restock counted", () -> PrometheusText.sum(get(a, "/metrics").body(),
                "eventpipelines_inventory_updates_total", restocks) + PrometheusText.sum(get(b, "/metrics").body(),
                "eventpipelines_inventory_updates_total", restocks) == PRODUCTS);
        assertEquals(0.0, PrometheusText.sum(metrics, "eventpipelines_inventory_updates_total",
                Map.of("status", "REJECTED")), "registered from the start, at zero");
    }

    @Test
    void aNewInstanceAnswers503WithRetryAfterUntilItKnowsTheOwner() throws Exception {
        PipelineRunner c = instance("c");
        List<Integer> statuses = new ArrayList<>();
        Poll.until(TIMEOUT, "an answer from the new instance", () -> {
            HttpResponse<String> response = get(c, "/inventory/anything");
            statuses.add(response.statusCode());
            if (response.statusCode() == 503) {
                assertEquals("1", response.headers().firstValue("Retry-After").orElse(null));
                assertEquals("unavailable, retry", json(response).get("error").asText());
            }
            return response.statusCode() == 404;
        });
        assertEquals(503, statuses.get(0), "asked before its first assignment: " + statuses);
        Poll.until(TIMEOUT, "ready", () -> get(c, "/health/ready").statusCode() == 200);
    }
}
