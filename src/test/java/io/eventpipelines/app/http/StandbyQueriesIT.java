package io.eventpipelines.app.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.TopicAdmin;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.streams.PipelineTopics;
import io.eventpipelines.testing.AppProcess;
import io.eventpipelines.testing.RealStack;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Inventory queries through the loss of a product's owner: two instances in their own JVMs, each holding a
 * standby copy of the other's stock partitions ({@code num.standby.replicas} defaults to 1). The owner is
 * SIGKILLed; the survivor, which still believes the dead instance owns the product (the group notices only after
 * the session timeout), answers from its standby copy, saying so and by how much it lags.
 */
class StandbyQueriesIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int PARTITIONS = 2;
    private static final int PRODUCTS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final RealStack STACK = new RealStack("standby-it-");

    @BeforeAll
    static void start() throws Exception {
        STACK.kafka().createTopics(PARTITIONS, TopicAdmin.topicsOf(List.of(Pipeline.INVENTORY)));
    }

    @Test
    void theSurvivorAnswersFromItsStandbyWithItsLagWhenTheOwnerIsKilled() throws Exception {
        int portA = freePort();
        int portB = freePort();
        Path propsA = properties("a", portA);
        try (AppProcess a = AppProcess.run(propsA, STACK.dir().resolve("a.log"));
                AppProcess b =
                        AppProcess.run(properties("b", portB), STACK.dir().resolve("b.log"))) {
            Map<String, Integer> expected = restock(propsA);

            // Both copies of every product hold its stock: one instance's active store, the other's standby.
            for (String product : expected.keySet()) {
                for (AppProcess instance : List.of(a, b)) {
                    int port = instance == a ? portA : portB;
                    instance.await(
                            TIMEOUT,
                            product + " in both copies",
                            () -> copyHolds(get(port, "/inventory/" + product + "?local=true"), expected.get(product)));
                }
            }
            String product = expected.keySet().stream()
                    .filter(p ->
                            copy(get(portB, "/inventory/" + p + "?local=true")).equals("active"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("b owns none of " + expected.keySet()));
            assertEquals("standby", copy(get(portA, "/inventory/" + product + "?local=true")));

            b.kill();
            long killed = System.nanoTime();
            HttpResponse<String> answer = get(portA, "/inventory/" + product);
            long millis = (System.nanoTime() - killed) / 1_000_000;
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals(
                    expected.get(product),
                    JSON.readTree(answer.body()).get("stock").asInt());
            assertEquals(
                    "standby",
                    copy(answer),
                    "the owner is gone: " + answer.headers().map());
            long caughtUpLag = lag(answer);
            // Under exactly-once the changelog ends with a commit marker that no copy reads as a record.
            assertTrue(caughtUpLag >= 0 && caughtUpLag <= PARTITIONS, "lag " + caughtUpLag);
            assertTrue(millis < 2_000, "answered " + millis + " ms after the owner was killed");

            // The dead owner's last transaction left open: records on the changelog no read_committed copy sees.
            String changelog = AppConfig.load(propsA, Map.of()).applicationId(Pipeline.INVENTORY) + "-"
                    + PipelineTopics.changelog(InventoryTopology.STOCK_STORE);
            try (KafkaProducer<byte[], byte[]> open = new KafkaProducer<>(
                    Map.of(
                            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            STACK.kafka().bootstrapServers(),
                            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                            "standby-it-open-transaction"),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                open.initTransactions();
                open.beginTransaction();
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    for (int i = 0; i < 3; i++) {
                        open.send(new ProducerRecord<>(changelog, partition, product.getBytes(), new byte[4]));
                    }
                }
                open.flush();

                HttpResponse<String> behind = get(portA, "/inventory/" + product);
                assertEquals(200, behind.statusCode(), behind.body());
                long lag = lag(behind);
                assertTrue(
                        lag >= caughtUpLag + 3, "lag " + lag + " after 3 unread records, " + caughtUpLag + " before");
                assertEquals(
                        expected.get(product),
                        JSON.readTree(behind.body()).get("stock").asInt());
                assertEquals(
                        200,
                        get(portA, "/inventory/" + product + "?max-lag=" + lag).statusCode());
                HttpResponse<String> tooStale = get(portA, "/inventory/" + product + "?max-lag=" + (lag - 1));
                assertEquals(503, tooStale.statusCode(), tooStale.body());
                assertTrue(tooStale.body().contains("more than max-lag " + (lag - 1)), tooStale.body());
                assertEquals(Optional.of("1"), tooStale.headers().firstValue("Retry-After"), "no copy now, maybe soon");
                assertEquals(
                        400, get(portA, "/inventory/" + product + "?max-lag=-1").statusCode());
                open.abortTransaction();
            }
        }
    }

    private static Path properties(String name, int port) throws IOException {
        return STACK.properties(
                name,
                "application.id=standby-it",
                "pipelines=inventory",
                "state.dir=" + STACK.dir().resolve(name),
                "http.host=127.0.0.1",
                "http.port=" + port,
                "application.server=127.0.0.1:" + port);
    }

    private static Map<String, Integer> restock(Path properties) throws IOException {
        AvroSerdes serdes = new AvroSerdes(AppConfig.load(properties, Map.of()).serdeConfig());
        Map<String, Integer> expected = new LinkedHashMap<>();
        try (KafkaProducer<String, Restock> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.kafka().bootstrapServers()),
                new StringSerializer(),
                serdes.value(Restock.class).serializer())) {
            for (int i = 0; i < PRODUCTS; i++) {
                String product = "standby-p" + i;
                expected.put(product, 10 + i);
                producer.send(new ProducerRecord<>(
                        InventoryTopology.RESTOCKS_TOPIC, product, new Restock(product, 10 + i, Instant.now())));
            }
        }
        return expected;
    }

    private static boolean copyHolds(HttpResponse<String> response, int stock) {
        try {
            return response != null
                    && response.statusCode() == 200
                    && JSON.readTree(response.body()).get("stock").asInt() == stock;
        } catch (IOException e) {
            throw new AssertionError(response.body(), e);
        }
    }

    private static String copy(HttpResponse<String> response) {
        return response.headers().firstValue(InventoryQueries.COPY_HEADER).orElse("(none)");
    }

    private static long lag(HttpResponse<String> response) {
        return Long.parseLong(response.headers()
                .firstValue(InventoryQueries.LAG_HEADER)
                .orElseThrow(
                        () -> new AssertionError("no " + InventoryQueries.LAG_HEADER + ": " + response.headers())));
    }

    private static HttpResponse<String> get(int port, String path) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // Not up yet: the polls above ask again.
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
