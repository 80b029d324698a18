package io.eventpipelines.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.testing.FakeRegistryServer;
import io.eventpipelines.testing.FakeRegistryServer.Response;
import io.eventpipelines.testing.Poll;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How the registry client classifies what it hears, over real sockets: only a registry that blames the record
 * makes it poison; a URL that is not the registry's API, a blip, a handshake cut short or a hang never do, and a
 * hang never holds a thread beyond one call's time.
 */
class RegistryAnswersTest {
    private static final String TOPIC = "temperature-readings";
    private static final Schema SCHEMA = TemperatureReading.getClassSchema();

    private FakeRegistryServer server;
    private final List<AutoCloseable> closeAfter = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = new FakeRegistryServer();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : closeAfter) {
            closeable.close();
        }
        server.close();
    }

    private static Map<String, Object> config(String url, Object... keyValues) {
        return TestRecords.registryConfig(url, keyValues);
    }

    private RestSchemaRegistryClient client(String url, Object... keyValues) {
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(new AvroSerdeConfig(config(url, keyValues)));
        closeAfter.add(client);
        return client;
    }

    private static SerializationException decodeFailure(String url, Object... keyValues) {
        SpecificAvroDeserializer<TemperatureReading> deserializer =
                new SpecificAvroDeserializer<>(TemperatureReading.class);
        deserializer.configure(config(url, keyValues), false);
        return assertThrows(
                SerializationException.class,
                () -> deserializer.deserialize(TOPIC, TestRecords.framed(1, new byte[] {2, 'x'})));
    }

    /** An answer that is not the Confluent API's, and how often a call asks before it gives up (max.retries=2). */
    static List<Arguments> notTheRegistryApi() {
        return List.of(
                Arguments.of("404 HTML page", new Response(404, "<html><body>Not Found</body></html>"), 3),
                Arguments.of(
                        "404 JSON of another API", new Response(404, "{\"title\":\"Not Found\",\"status\":404}"), 3),
                Arguments.of(
                        "404 for a path the registry does not serve",
                        Response.error(404, 404, "HTTP 404 Not Found"),
                        3),
                Arguments.of("200 HTML page", new Response(200, "<!DOCTYPE html><html>Apicurio Registry</html>"), 3),
                // Well-formed, but not an answer about a schema: found after the call, which is not repeated.
                Arguments.of("200 JSON without a schema", Response.ok("{\"name\":\"Apicurio Registry\"}"), 1),
                Arguments.of("400", Response.error(400, 400, "Bad Request"), 3),
                Arguments.of("405", new Response(405, ""), 3));
    }

    /** A user who points schema.registry.url at Apicurio's root, or at a proxy's error page, loses no record. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("notTheRegistryApi")
    void anAnswerThatIsNotTheRegistryApisIsRetriedAndNeverPoison(String what, Response answer, int attempts) {
        server.respondWith(request -> answer);

        SchemaRegistryUnavailableException e = assertThrows(
                SchemaRegistryUnavailableException.class,
                () -> client(server.url()).getSchemaById(1));
        assertInstanceOf(SchemaRegistryMisconfiguredException.class, e);
        assertTrue(
                e.getMessage().contains(server.url()) && e.getMessage().contains("Confluent-compatible"),
                e.getMessage());
        assertEquals(attempts, server.requests().size(), "retried like an outage: the proxy or route may come back");

        SerializationException decoding = decodeFailure(server.url());
        assertTrue(
                SchemaRegistryException.isRegistryFailure(decoding),
                () -> "must fail the task, not dead-letter: " + decoding);
    }

    @Test
    void aTimeoutAnswerIsAnOutage() {
        server.respondWith(request -> Response.error(408, 408, "Request Timeout"));

        assertTrue(SchemaRegistryException.isRegistryFailure(decodeFailure(server.url())));
        assertEquals(3, server.requests().size());
    }

    /** Confluent's 40403 for an id: the one answer (with 403 and an unreadable schema) that makes a record poison. */
    @Test
    void anUnknownSchemaIdIsTheRecordsFault() {
        server.respondWith(request -> Response.error(404, 40403, "Schema 1 not found"));

        SerializationException decoding = decodeFailure(server.url());
        assertFalse(SchemaRegistryException.isRegistryFailure(decoding), decoding::toString);
        assertEquals(1, server.requests().size(), "an id above every id seen is not asked again");
    }

    /** A replica that lags behind its leader may not know an id yet that this client saw registered. */
    @Test
    void aMissingIdAtOrBelowOneSeenIsAskedAgainBeforeItIsPoison() {
        AtomicInteger lookupsOfFour = new AtomicInteger();
        server.respondWith(request -> {
            if (request.method().equals("POST")) {
                return Response.ok("{\"id\":5}");
            }
            if (request.rawPath().equals("/schemas/ids/4") && lookupsOfFour.incrementAndGet() < 3) {
                return Response.error(404, 40403, "Schema 4 not found");
            }
            if (request.rawPath().equals("/schemas/ids/4")) {
                return Response.ok("{\"schema\":" + quoted(SCHEMA.toString()) + "}");
            }
            return Response.error(404, 40403, "Schema not found");
        });
        RestSchemaRegistryClient client = client(server.url());
        assertEquals(5, client.register("other-value", SCHEMA));

        assertEquals(SCHEMA, client.getSchemaById(4));
        assertEquals(3, lookupsOfFour.get());

        SchemaRegistryException unknown = assertThrows(SchemaRegistryException.class, () -> client.getSchemaById(3));
        assertTrue(unknown.blamesTheRecord(), unknown::toString);
        assertEquals(
                3,
                server.requests().stream()
                        .filter(r -> r.rawPath().equals("/schemas/ids/3"))
                        .count(),
                "asked again, a bounded number of times (max.retries=2)");
        // A schema deleted for good must not stall every record that carries its id.
        assertThrows(SchemaRegistryException.class, () -> client.getSchemaById(3));
        assertEquals(
                4,
                server.requests().stream()
                        .filter(r -> r.rawPath().equals("/schemas/ids/3"))
                        .count(),
                "an id confirmed missing is asked once, not waited for again");
    }

    /** A registry or load balancer that restarts cuts TLS handshakes short: an outage, not refused credentials. */
    @Test
    void aHandshakeCutShortIsAnOutageRetriedNotAccessDenied() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        ServerSocket hangUp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        closeAfter.add(hangUp);
        Thread acceptor = new Thread(() -> {
            while (!hangUp.isClosed()) {
                try (Socket socket = hangUp.accept()) {
                    connections.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        String url = "https://127.0.0.1:" + hangUp.getLocalPort();

        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client(url).getSchemaById(1));
        assertInstanceOf(SchemaRegistryUnavailableException.class, e, e::toString);
        assertFalse(e.isAccessDenied(), () -> "would stop the app with exit 4: " + e);
        assertTrue(e.getMessage().contains("3 attempts"), () -> "retried like any connection error: " + e.getMessage());
        assertTrue(connections.get() >= 3, "connections: " + connections.get());
        assertTrue(SchemaRegistryException.isRegistryFailure(decodeFailure(url)));
    }

    /** A registry that accepts connections and never answers holds a stream thread one call's time at most. */
    @Test
    void aHungRegistryHoldsACallNoLongerThanTheCallTimeout() throws Exception {
        String url = hungRegistry();
        RestSchemaRegistryClient client = client(
                url,
                AvroSerdeConfig.CALL_TIMEOUT_MS,
                1500,
                AvroSerdeConfig.MAX_RETRIES_CONFIG,
                3,
                AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG,
                100);

        long start = System.nanoTime();
        SchemaRegistryUnavailableException e = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThrows(SchemaRegistryUnavailableException.class, () -> client.getSchemaById(1)));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs >= 1400 && tookMs < 4000, "took " + tookMs + " ms");
        assertTrue(e.getMessage().contains(AvroSerdeConfig.CALL_TIMEOUT_MS), e.getMessage());
    }

    /** Interrupting a thread ends its wait, also a wait for another thread's identical call; so does close(). */
    @Test
    void waitingForAHungRegistryEndsOnInterruptAndOnClose() throws Exception {
        String url = hungRegistry();
        RestSchemaRegistryClient client =
                client(url, AvroSerdeConfig.CALL_TIMEOUT_MS, 60_000, AvroSerdeConfig.HTTP_READ_TIMEOUT_MS, 60_000);
        ExecutorService threads = Executors.newCachedThreadPool();
        closeAfter.add(threads::shutdownNow);
        AtomicReference<Thread> loaderThread = new AtomicReference<>();
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        Future<Throwable> loader = threads.submit(() -> failureOf(() -> {
            loaderThread.set(Thread.currentThread());
            client.getSchemaById(1);
        }));
        Poll.until(
                Duration.ofSeconds(5),
                "the first call to be in flight",
                () -> loaderThread.get() != null && loaderThread.get().getState() != Thread.State.RUNNABLE);
        Future<Throwable> waiter = threads.submit(() -> failureOf(() -> {
            waiterThread.set(Thread.currentThread());
            client.getSchemaById(1);
        }));
        Poll.until(
                Duration.ofSeconds(5),
                "the second call to wait for the first",
                () -> waiterThread.get() != null && waiterThread.get().getState() != Thread.State.RUNNABLE);

        waiterThread.get().interrupt();
        Throwable waiterFailure = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> waiter.get());
        assertInstanceOf(SchemaRegistryUnavailableException.class, waiterFailure);

        loaderThread.get().interrupt();
        Throwable loaderFailure = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> loader.get());
        assertInstanceOf(SchemaRegistryUnavailableException.class, loaderFailure);

        Future<Throwable> third = threads.submit(() -> failureOf(() -> client.getSchemaById(2)));
        Poll.until(Duration.ofSeconds(5), "a third call to be in flight", () -> hungConnections.get() >= 2);
        client.close();
        assertInstanceOf(
                SchemaRegistryUnavailableException.class,
                assertTimeoutPreemptively(Duration.ofSeconds(2), () -> third.get()));
    }

    private final AtomicInteger hungConnections = new AtomicInteger();

    /** A server that accepts connections and reads what it is sent, but never answers. */
    private String hungRegistry() throws IOException {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> held = new CopyOnWriteArrayList<>();
        closeAfter.add(() -> {
            silent.close();
            for (Socket socket : held) {
                socket.close();
            }
        });
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    held.add(silent.accept());
                    hungConnections.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        return "http://127.0.0.1:" + silent.getLocalPort();
    }

    private static Throwable failureOf(Runnable call) {
        try {
            call.run();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
