package io.eventpipelines.app.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineRunner;
import io.eventpipelines.app.TopicAdmin;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.PrometheusText;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.Transactions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two instances with their HTTP endpoints: interactive queries answered by either, health, topology, metrics. */
class HttpEndpointIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int PRODUCTS = 24;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final RealStack STACK = new RealStack("http-it-");

    private static final List<Instance> runners = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        STACK.kafka().createTopics(4, TopicAdmin.topicsOf(List.of(Pipeline.INVENTORY, Pipeline.TEMPERATURE)));
    }

    @AfterAll
    static void stop() throws Exception {
        runners.forEach(Instance::close);
    }

    private static Instance instance(String name) throws IOException {
        return instance(name, "http-it", "inventory,temperature", 0);
    }

    /** @param advertisedPort where the instance tells its peers to reach it; 0 for its own HTTP port */
    private static Instance instance(String name, String applicationId, String pipelines, int advertisedPort)
            throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> settings = new HashMap<>(Map.of(
                "bootstrap.servers",
                STACK.kafka().bootstrapServers(),
                "schema.registry.url",
                STACK.registry().url(),
                "application.id",
                applicationId,
                "pipelines",
                pipelines,
                "state.dir",
                STACK.dir().resolve(name).toString(),
                "http.port",
                String.valueOf(port),
                "http.host",
                "127.0.0.1",
                "application.server",
                "127.0.0.1:" + (advertisedPort == 0 ? port : advertisedPort),
                "commit.interval.ms",
                "100",
                "metrics.refresh.interval.ms",
                "500"));
        AppConfig config = AppConfig.of(settings);
        PipelineRunner runner = new PipelineRunner(config);
        Instance instance = new Instance(runner);
        runners.add(instance);
        runner.start();
        instance.http = HttpEndpoint.startIfEnabled(config, runner).orElseThrow();
        return instance;
    }

    /** What {@code run} starts: the pipelines and, beside them, their HTTP endpoint. */
    private static final class Instance implements AutoCloseable {
        final PipelineRunner runner;
        volatile HttpEndpoint http;

        Instance(PipelineRunner runner) {
            this.runner = runner;
        }

        int httpPort() {
            return http.port();
        }

        Map<Pipeline, KafkaStreams.State> states() {
            return runner.states();
        }

        Map<Pipeline, KafkaStreams> streams() {
            return runner.streams();
        }

        @Override
        public void close() {
            if (http != null) {
                http.close();
            }
            runner.close();
        }
    }

    private static HttpResponse<String> get(Instance runner, String path) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runner.httpPort() + path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String rawStatusLine(Instance runner, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", runner.httpPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return response.lines().findFirst().orElse("");
        }
    }

    /** A product id as a path segment or query value: percent-encoded, but with its '+' left as it is. */
    private static String segment(String productId) {
        return URLEncoder.encode(productId, StandardCharsets.UTF_8)
                .replace("+", "%20")
                .replace("%2B", "+");
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** The HTTP port of the instance that owns {@code product}'s stock. */
    private static int ownerPort(KafkaStreams inventory, String product) {
        return inventory
                .queryMetadataForKey(
                        InventoryTopology.STOCK_STORE, product, Serdes.String().serializer())
                .activeHost()
                .port();
    }

    private static void awaitReady(Instance... instances) {
        Poll.until(
                TIMEOUT,
                "every instance RUNNING and ready",
                () -> Arrays.stream(instances)
                        .allMatch(instance -> running(instance)
                                && get(instance, "/health/ready").statusCode() == 200));
    }

    private static boolean running(Instance runner) {
        return runner.states().values().stream().allMatch(state -> state == KafkaStreams.State.RUNNING);
    }

    @Test
    void anyInstanceAnswersForEveryKeyAndReportsHealthTopologyAndMetrics() throws Exception {
        Instance a = instance("a");
        Instance b = instance("b");
        awaitReady(a, b);

        AvroSerdes serdes =
                new AvroSerdes(Map.of("schema.registry.url", STACK.registry().url()));
        Map<String, Integer> expected = new HashMap<>();
        try (KafkaProducer<String, Restock> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", STACK.kafka().bootstrapServers()),
                new StringSerializer(),
                serdes.value(Restock.class).serializer())) {
            for (int i = 0; i < PRODUCTS; i++) {
                // A '+' and a space in product ids: in a path, '+' is '+' and a space is %20.
                String product = String.format(i == 0 ? "http-p+%02d" : i == 1 ? "http-p %02d" : "http-p%02d", i);
                expected.put(product, 10 + i);
                producer.send(new ProducerRecord<>(
                        InventoryTopology.RESTOCKS_TOPIC, product, new Restock(product, 10 + i, Instant.now())));
            }
            producer.flush();
        }
        // Both instances own some of the keys, so some answers are local and some forwarded.
        Set<Integer> owners = new HashSet<>();
        KafkaStreams inventoryA = a.streams().get(Pipeline.INVENTORY);
        for (String product : expected.keySet()) {
            KeyQueryMetadata metadata = inventoryA.queryMetadataForKey(
                    InventoryTopology.STOCK_STORE, product, Serdes.String().serializer());
            owners.add(metadata.activeHost().port());
        }
        assertEquals(Set.of(a.httpPort(), b.httpPort()), owners, "keys are spread over both instances");

        for (Instance asked : List.of(a, b)) {
            for (Map.Entry<String, Integer> product : expected.entrySet()) {
                String path = "/inventory/" + segment(product.getKey());
                Poll.until(
                        TIMEOUT,
                        product.getKey() + " restocked",
                        () -> get(asked, path).statusCode() == 200);
                JsonNode body = json(get(asked, path));
                assertEquals(product.getKey(), body.get("productId").asText());
                assertEquals(product.getValue(), body.get("stock").asInt());
            }
            assertEquals(404, get(asked, "/inventory/no-such-product").statusCode());
        }
        // Whichever instance owns a product, the answer is the same bytes, asked locally or forwarded.
        for (Map.Entry<String, Integer> product : expected.entrySet()) {
            String path = "/inventory/" + segment(product.getKey());
            String expectedBody = "{\"productId\":\"" + product.getKey() + "\",\"stock\":" + product.getValue() + "}";
            assertEquals(expectedBody, get(a, path).body());
            assertEquals(expectedBody, get(b, path).body());
        }

        Map<String, Integer> paged = new HashMap<>();
        String after = null;
        int pages = 0;
        do {
            JsonNode page = json(get(b, "/inventory?limit=10" + (after == null ? "" : "&after=" + segment(after))));
            // Other tests' products ("page-…", after these in order) may follow on the last page.
            page.get("items").forEach(item -> {
                if (item.get("productId").asText().startsWith("http-")) {
                    paged.put(item.get("productId").asText(), item.get("stock").asInt());
                }
            });
            after = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (after != null && after.startsWith("http-"));
        assertEquals(expected, paged);
        assertEquals(3, pages);

        // local=false is an ordinary request, answered through the owner; local=true (a forwarded one) looks only here.
        String ownedByB = expected.keySet().stream()
                .filter(product -> ownerPort(inventoryA, product) == b.httpPort())
                .findFirst()
                .orElseThrow();
        HttpResponse<String> throughTheOwner = get(a, "/inventory/" + segment(ownedByB) + "?local=false");
        assertEquals(200, throughTheOwner.statusCode());
        assertEquals(
                "active", throughTheOwner.headers().firstValue("X-Stock-Copy").orElse(null));
        assertEquals("0", throughTheOwner.headers().firstValue("X-Stock-Lag").orElse(null));
        // Here, a holds b's partitions as standby copies (num.standby.replicas=1), which answer with their lag.
        Poll.until(
                TIMEOUT,
                ownedByB + " in a's standby copy",
                () -> get(a, "/inventory/" + segment(ownedByB) + "?local=true").statusCode() == 200);
        HttpResponse<String> standby = get(a, "/inventory/" + segment(ownedByB) + "?local=true");
        assertEquals("standby", standby.headers().firstValue("X-Stock-Copy").orElse(null));
        assertTrue(
                standby.headers().firstValue("X-Stock-Lag").isPresent(),
                standby.headers().toString());
        assertEquals(
                400, get(a, "/inventory/" + segment(ownedByB) + "?local=yes").statusCode());
        // Malformed escapes are the client's error, answered 400 without the server's exception text.
        for (String malformed : List.of("/inventory/http-p%FF", "/inventory/%C3%28", "/inventory?after=%E2%82")) {
            HttpResponse<String> response = get(a, malformed);
            assertEquals(400, response.statusCode(), malformed + ": " + response.body());
            assertTrue(json(response).get("error").asText().contains("not UTF-8"), response.body());
        }
        // Not even a URI: the JDK's server answers 400 before any handler (an HTTP client would not send it).
        assertTrue(rawStatusLine(a, "/inventory/http-p%zz").contains(" 400 "));

        JsonNode ready = json(get(a, "/health/ready"));
        assertEquals("UP", ready.get("status").asText());
        assertEquals("RUNNING", ready.get("pipelines").get("inventory").asText());
        assertEquals(200, get(a, "/health/live").statusCode());
        // Two instances share inventory's tasks: each holds some, named on its threads; none restoring once RUNNING.
        JsonNode inventory = ready.get("details").get("inventory");
        JsonNode thread = inventory.get("threads").get(0);
        assertTrue(thread.get("name").asText().contains("StreamThread"), thread.toString());
        assertTrue(thread.get("activeTasks").size() > 0, thread.toString());
        assertTrue(thread.get("standbyTasks").isArray(), thread.toString());
        assertEquals(0, inventory.get("restoring").size(), inventory.toString());
        assertTrue(inventory.get("sinceRebalanceMs").asLong() >= 0, inventory.toString());
        assertTrue(json(get(a, "/topology")).get("inventory").asText().contains(InventoryTopology.STOCK_STORE));
        JsonNode structure = json(get(a, "/topology?format=json"));
        assertEquals(
                "http-it-inventory",
                structure.get("inventory").get("applicationId").asText());
        HttpResponse<String> mermaid = get(a, "/topology?format=mermaid");
        assertEquals(200, mermaid.statusCode());
        assertTrue(mermaid.headers().firstValue("Content-Type").orElse("").startsWith("text/markdown"));
        assertTrue(mermaid.body().contains("```mermaid\nflowchart TB\n"), mermaid.body());
        assertEquals(400, get(a, "/topology?format=xml").statusCode());

        Poll.until(
                TIMEOUT,
                "topic metrics bound",
                () -> get(a, "/metrics").body().contains("kafka_stream_topic_records_produced_total"));
        String metrics = get(a, "/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("jvm_memory_used_bytes{")), "JVM metrics");
        assertNotNull(
                metrics.lines()
                        .filter(l -> l.startsWith("kafka_stream_") && l.contains("pipeline=\"inventory\""))
                        .findFirst()
                        .orElse(null),
                "Kafka Streams metrics tagged by pipeline");
        // Kafka Streams' topic-level metrics count what each pipeline wrote where: restocks answered here.
        double restocked = metrics.lines()
                .filter(l -> l.startsWith("kafka_stream_topic_records_produced_total{")
                        && l.contains("topic=\"inventory-updates\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
        assertTrue(restocked > 0, metrics);
        for (String line :
                metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList()) {
            String value = line.substring(line.lastIndexOf(' ') + 1);
            Double.parseDouble(value); // every sample line parses as Prometheus text
        }
        // The app's own counter is per instance: the two together counted each restock once, this test's and those
        // other tests of this class wrote before it (all at-least-once, so the end offsets count records).
        long restocksWritten;
        try (Admin admin =
                Admin.create(Map.of("bootstrap.servers", STACK.kafka().bootstrapServers()))) {
            restocksWritten =
                    Transactions.end(admin, InventoryTopology.RESTOCKS_TOPIC).highWatermark();
        }
        assertTrue(restocksWritten >= PRODUCTS, "restocks written: " + restocksWritten);
        Map<String, String> restocks = Map.of("pipeline", "inventory", "status", "RESTOCKED");
        Poll.until(
                TIMEOUT,
                "every restock counted",
                () -> PrometheusText.sum(get(a, "/metrics").body(), "eventpipelines_inventory_updates_total", restocks)
                                + PrometheusText.sum(
                                        get(b, "/metrics").body(), "eventpipelines_inventory_updates_total", restocks)
                        == restocksWritten);
        assertEquals(
                0.0,
                PrometheusText.sum(metrics, "eventpipelines_inventory_updates_total", Map.of("status", "REJECTED")),
                "registered from the start, at zero");
    }

    @Test
    void aNewInstanceAnswers503WithRetryAfterUntilItKnowsTheOwner() throws Exception {
        Instance c = instance("c");
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

    @Test
    void pagesListEveryProductOnceWhenAPeerHoldsMoreThanAPage() throws Exception {
        Instance p1 = instance("pages-1", "http-it-pages", "inventory", 0);
        Instance p2 = instance("pages-2", "http-it-pages", "inventory", 0);
        awaitReady(p1, p2);
        // Every product on p1, asked through p2: p2's pages come almost wholly from its peer, in pages of the
        // largest size (1000), so that more than two pages' worth of a peer's keys must be listed.
        KafkaStreams inventory1 = p1.streams().get(Pipeline.INVENTORY);
        List<String> products = new ArrayList<>();
        for (int i = 0; products.size() < 2_100; i++) {
            String product = String.format("page-%05d", i);
            if (ownerPort(inventory1, product) == p1.httpPort()) {
                products.add(product);
            }
        }
        AvroSerdes serdes =
                new AvroSerdes(Map.of("schema.registry.url", STACK.registry().url()));
        try (KafkaProducer<String, Restock> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", STACK.kafka().bootstrapServers()),
                new StringSerializer(),
                serdes.value(Restock.class).serializer())) {
            for (String product : products) {
                producer.send(new ProducerRecord<>(
                        InventoryTopology.RESTOCKS_TOPIC, product, new Restock(product, 3, Instant.now())));
            }
        }
        ReadOnlyKeyValueStore<String, Integer> stock1 = inventory1.store(StoreQueryParameters.fromNameAndType(
                InventoryTopology.STOCK_STORE, QueryableStoreTypes.keyValueStore()));
        Poll.until(
                TIMEOUT, "every product stocked on p1", () -> products.stream().allMatch(p -> stock1.get(p) != null));

        List<String> listed = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = json(get(p2, "/inventory?limit=1000" + (after == null ? "" : "&after=" + segment(after))));
            page.get("items").forEach(item -> listed.add(item.get("productId").asText()));
            after = page.get("next").isNull() ? null : page.get("next").asText();
        } while (after != null);
        List<String> listedPages =
                listed.stream().filter(p -> p.startsWith("page-")).toList();
        assertEquals(products, listedPages, "every product once, in order");
        assertEquals(listed.stream().sorted().toList(), listed, "in order");
        assertEquals(new HashSet<>(listed).size(), listed.size(), "none twice");
        p1.close();
        p2.close();
    }

    @Test
    void aPeerThatDoesNotAnswerDelaysNeitherHealthNorMetrics() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            // A peer that accepts connections and never answers: each query forwarded to it waits for the timeout.
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(
                    () -> {
                        while (!silent.isClosed()) {
                            try {
                                held.add(silent.accept());
                            } catch (IOException closed) {
                                return;
                            }
                        }
                    },
                    "silent-peer");
            acceptor.setDaemon(true);
            acceptor.start();
            // The mute instance starts first, so it keeps stock partitions when the asked one joins.
            Instance mute = instance("slow-2", "http-it-slow", "inventory", silent.getLocalPort());
            Poll.until(TIMEOUT, "the mute instance RUNNING", () -> running(mute));
            Instance asked = instance("slow-1", "http-it-slow", "inventory", 0);
            Poll.until(
                    TIMEOUT,
                    "both instances RUNNING, the mute one owning stock",
                    () -> running(asked)
                            && running(mute)
                            && get(asked, "/health/ready").statusCode() == 200
                            && asked.streams().get(Pipeline.INVENTORY).metadataForAllStreamsClients().stream()
                                    .anyMatch(instance -> instance.hostInfo().port() == silent.getLocalPort()
                                            && instance.stateStoreNames().contains(InventoryTopology.STOCK_STORE)));

            List<CompletableFuture<HttpResponse<String>>> pages = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                pages.add(HTTP.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + asked.httpPort() + "/inventory"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Poll.until(TIMEOUT, "queries waiting for the silent peer", () -> held.size() >= 4);
            for (String path : List.of("/health/live", "/health/ready", "/metrics")) {
                long start = System.nanoTime();
                int status = get(asked, path).statusCode();
                // Readiness may flip to 503 while the group rebalances once more after the second join: what is
                // measured is that it answers at all, in time.
                assertTrue(
                        status == 200 || (path.equals("/health/ready") && status == 503), path + " answered " + status);
                long millis = (System.nanoTime() - start) / 1_000_000;
                // The Docker health check gives /health/live 3 s.
                assertTrue(millis < 2_000, path + " took " + millis + " ms while queries waited for a peer");
            }
            for (CompletableFuture<HttpResponse<String>> page : pages) {
                HttpResponse<String> response = page.get(60, TimeUnit.SECONDS);
                assertEquals(503, response.statusCode(), response.body());
                assertEquals("1", response.headers().firstValue("Retry-After").orElse(null));
            }
            for (Socket socket : held) {
                socket.close();
            }
            asked.close();
            mute.close();
        }
    }
}
