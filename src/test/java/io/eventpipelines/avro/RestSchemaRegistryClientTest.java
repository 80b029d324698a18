package io.eventpipelines.avro;

import static io.eventpipelines.avro.TestRecords.reading;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.testing.FakeRegistryServer;
import io.eventpipelines.testing.FakeRegistryServer.Request;
import io.eventpipelines.testing.FakeRegistryServer.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST client against a real HTTP server that answers like Confluent's Schema Registry. */
class RestSchemaRegistryClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "temperature-readings";
    private static final String SUBJECT = TOPIC + "-value";
    private static final Schema SCHEMA = TemperatureReading.getClassSchema();

    private FakeRegistryServer server;
    private final CountDownLatch releaseBlockedHandlers = new CountDownLatch(1);

    @BeforeEach
    void startServer() throws IOException {
        server = new FakeRegistryServer();
    }

    @AfterEach
    void stopServer() {
        releaseBlockedHandlers.countDown();
        server.close();
    }

    /** Fast retries so that failure paths take milliseconds. */
    private Map<String, Object> config(Object... keyValues) {
        return TestRecords.registryConfig(server.url(), keyValues);
    }

    private RestSchemaRegistryClient client(Object... keyValues) {
        return new RestSchemaRegistryClient(new AvroSerdeConfig(config(keyValues)));
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parseJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String subjectVersion(String subject, int id, int version, Schema schema) {
        return json(Map.of("subject", subject, "id", id, "version", version, "schema", schema.toString()));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void registerSendsConfluentRequestAndWarmCacheMakesNoFurtherCalls() {
        server.respondWith(r -> Response.ok("{\"id\":42}"));
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>();
        serializer.configure(config(), false);

        byte[] first = serializer.serialize(TOPIC, reading());
        byte[] second = serializer.serialize(TOPIC, reading("sensor-2", 3.0, null));

        assertEquals(42, TestRecords.schemaId(first));
        assertEquals(42, TestRecords.schemaId(second));
        assertEquals(1, server.requests().size(), "the second record is served from the cache");
        Request request = server.requests().get(0);
        assertEquals("POST", request.method());
        assertEquals("/subjects/temperature-readings-value/versions", request.rawPath());
        assertEquals("application/vnd.schemaregistry.v1+json", request.header("Content-Type"));
        assertTrue(
                request.header("Accept").startsWith("application/vnd.schemaregistry.v1+json"),
                request.header("Accept"));
        assertNull(request.header("Authorization"));
        JsonNode body = parseJson(request.body());
        assertEquals(1, body.size());
        assertEquals(SCHEMA, new Schema.Parser().parse(body.get("schema").asText()));
    }

    @Test
    void registerAndLookupShareTheCache() {
        server.respondWith(r -> Response.ok("{\"id\":42}"));
        RestSchemaRegistryClient client = client();

        assertEquals(42, client.register(SUBJECT, SCHEMA));
        assertEquals(42, client.getId(SUBJECT, SCHEMA));
        assertEquals(SCHEMA, client.getSchemaById(42));
        assertEquals(1, server.requests().size());
    }

    @Test
    void schemaByIdIsFetchedOnceAndCached() {
        server.respondWith(r -> r.rawPath().equals("/schemas/ids/7")
                ? Response.ok(json(Map.of("schema", SCHEMA.toString())))
                : Response.error(404, 40403, "Schema not found"));
        SpecificAvroDeserializer<TemperatureReading> deserializer =
                new SpecificAvroDeserializer<>(TemperatureReading.class);
        deserializer.configure(config(), false);
        byte[] bytes = TestRecords.framed(7, TestRecords.encodeSpecific(reading()));

        assertEquals(reading(), deserializer.deserialize(TOPIC, bytes));
        assertEquals(reading(), deserializer.deserialize(TOPIC, bytes));

        assertEquals(1, server.requests().size());
        assertEquals("GET", server.requests().get(0).method());
        assertEquals("/schemas/ids/7", server.requests().get(0).rawPath());

        RestSchemaRegistryClient client = client();
        assertEquals(SCHEMA, client.getSchemaById(7));
        assertEquals(SCHEMA, client.getSchemaById(7));
        assertEquals(2, server.requests().size());
    }

    @Test
    void unknownSchemaIdIsAnErrorNotAnOutage() {
        server.respondWith(r -> Response.error(404, 40403, "Schema 99 not found"));

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client().getSchemaById(99));

        assertFalse(e instanceof SchemaRegistryUnavailableException);
        assertEquals(404, e.status());
        assertEquals(40403, e.errorCode());
        assertTrue(e.getMessage().contains("schema id 99"), e.getMessage());
        assertTrue(e.getMessage().contains("error 40403: Schema 99 not found"), e.getMessage());
        assertEquals(1, server.requests().size(), "4xx is not retried");
    }

    @Test
    void basicAuthFromUserInfo() {
        server.respondWith(r -> Response.ok("{\"id\":1}"));
        client(
                        AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                        "USER_INFO",
                        AvroSerdeConfig.USER_INFO_CONFIG,
                        "alice:s3cret:with-colon")
                .register(SUBJECT, SCHEMA);
        client(
                        AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                        "USER_INFO",
                        AvroSerdeConfig.SCHEMA_REGISTRY_USER_INFO_CONFIG,
                        "bob:pw")
                .register(SUBJECT, SCHEMA);

        assertEquals(basic("alice:s3cret:with-colon"), server.requests().get(0).header("Authorization"));
        assertEquals(basic("bob:pw"), server.requests().get(1).header("Authorization"));
    }

    @Test
    void basicAuthFromTheUrl() {
        server.respondWith(r -> Response.ok("{\"id\":1}"));
        String url = server.url().replace("http://", "http://carol:p%40ss@");

        client(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url).register(SUBJECT, SCHEMA);

        assertEquals(basic("carol:p@ss"), server.requests().get(0).header("Authorization"));
    }

    @Test
    void credentialsInTheUrlMayHoldSlashAtColonAndPercent() {
        server.respondWith(r -> Response.ok("{\"id\":1}"));
        // Generated secrets (with '/' and '+') are pasted as they are; escapes are decoded.
        String raw = server.url().replace("http://", "http://app:ab/cd@e:f%g+h@") + "/apis/ccompat/v7";
        String escaped = server.url().replace("http://", "http://app%40team:p%2Fw%25x%3Ay@");

        client(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, raw).register(SUBJECT, SCHEMA);
        client(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, escaped).register(SUBJECT, SCHEMA);

        assertEquals(basic("app:ab/cd@e:f%g+h"), server.requests().get(0).header("Authorization"));
        assertEquals(
                "/apis/ccompat/v7/subjects/" + SUBJECT + "/versions",
                server.requests().get(0).rawPath());
        assertEquals(basic("app@team:p/w%x:y"), server.requests().get(1).header("Authorization"));
    }

    @Test
    void userInfoIsIgnoredUnlessItIsTheCredentialsSourceAsInConfluent() {
        server.respondWith(r -> Response.ok("{\"id\":1}"));
        client(AvroSerdeConfig.USER_INFO_CONFIG, "alice:s3cret").register(SUBJECT, SCHEMA);
        assertNull(server.requests().get(0).header("Authorization"));
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void subjectIsEncodedAsOnePathSegment() {
        server.respondWith(r -> Response.ok("{\"id\":3}"));
        RestSchemaRegistryClient client = client();

        client.register("my topic/é+x-value", SCHEMA);

        assertEquals(
                "/subjects/my%20topic%2F%C3%A9%2Bx-value/versions",
                server.requests().get(0).rawPath());
    }

    @Test
    void withoutAutoRegisterTheSerializerLooksTheSchemaUp() {
        server.respondWith(r -> r.method().equals("POST") && r.rawPath().equals("/subjects/" + SUBJECT)
                ? Response.ok(subjectVersion(SUBJECT, 5, 2, SCHEMA))
                : Response.error(500, 50001, "unexpected " + r.rawPath()));
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>();
        serializer.configure(config(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);

        assertEquals(5, TestRecords.schemaId(serializer.serialize(TOPIC, reading())));
        assertEquals(5, TestRecords.schemaId(serializer.serialize(TOPIC, reading())));

        assertEquals(1, server.requests().size());
        assertEquals(
                SCHEMA,
                new Schema.Parser()
                        .parse(parseJson(server.requests().get(0).body())
                                .get("schema")
                                .asText()));
    }

    @Test
    void withoutAutoRegisterAnUnregisteredSchemaNamesSubjectAndCode() {
        server.respondWith(r -> Response.error(404, 40403, "Schema not found"));
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>();
        serializer.configure(config(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false), false);

        SerializationException e =
                assertThrows(SerializationException.class, () -> serializer.serialize(TOPIC, reading()));

        assertTrue(e.getMessage().contains("'" + SUBJECT + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("40403"), e.getMessage());
        SchemaRegistryException cause = assertInstanceOf(SchemaRegistryException.class, e.getCause());
        assertEquals(404, cause.status());
        assertEquals(40403, cause.errorCode());
        assertEquals(SUBJECT, cause.subject());
        assertFalse(SchemaRegistryUnavailableException.isCauseOf(e));
        assertEquals("/subjects/" + SUBJECT, server.requests().get(0).rawPath());
        assertEquals(1, server.requests().size());
    }

    @Test
    void incompatibleSchemaIsRejectedWithTheRegistrysReason() {
        String reason =
                "Schema being registered is incompatible with an earlier schema for subject \\\"orders-value\\\"";
        server.respondWith(r -> Response.error(409, 409, reason));
        RestSchemaRegistryClient client = client();

        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client.register("orders-value", SCHEMA));

        assertFalse(e instanceof SchemaRegistryUnavailableException);
        assertEquals(409, e.status());
        assertEquals(409, e.errorCode());
        assertEquals("orders-value", e.subject());
        assertTrue(
                e.getMessage()
                        .startsWith("Schema Registry rejected schema for subject 'orders-value': error 409: "
                                + "Schema being registered is incompatible with an earlier schema"),
                e.getMessage());
        assertEquals(1, server.requests().size(), "4xx is not retried");

        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>(client);
        SerializationException wrapped =
                assertThrows(SerializationException.class, () -> serializer.serialize("orders", reading()));
        assertTrue(wrapped.getMessage().contains("'orders'"), wrapped.getMessage());
        assertInstanceOf(SchemaRegistryException.class, wrapped.getCause());
        assertFalse(SchemaRegistryUnavailableException.isCauseOf(wrapped));
    }

    @Test
    void nonJsonErrorBodyIsReportedAsIs() {
        server.respondWith(r -> new Response(401, "<html>Unauthorized</html>"));

        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client().register(SUBJECT, SCHEMA));

        assertFalse(e instanceof SchemaRegistryUnavailableException);
        assertEquals(401, e.status());
        assertEquals(SchemaRegistryException.NO_ERROR_CODE, e.errorCode());
        assertTrue(e.getMessage().contains("<html>Unauthorized</html>"), e.getMessage());
        assertEquals(1, server.requests().size());
    }

    @Test
    void serverErrorsAreRetriedThenReportedAsUnavailable() {
        server.respondWith(r -> Response.error(500, 50001, "Error in the backend data store"));
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>();
        serializer.configure(config(), false);

        SerializationException e =
                assertThrows(SerializationException.class, () -> serializer.serialize(TOPIC, reading()));

        assertEquals(3, server.requests().size(), "one attempt and max.retries=2 retries");
        assertTrue(SchemaRegistryUnavailableException.isCauseOf(e));
        SchemaRegistryUnavailableException cause =
                assertInstanceOf(SchemaRegistryUnavailableException.class, e.getCause());
        assertEquals(500, cause.status());
        assertEquals(50001, cause.errorCode());
        assertEquals(SUBJECT, cause.subject());
        assertTrue(cause.getMessage().contains("Error in the backend data store"), cause.getMessage());
        assertTrue(cause.getMessage().contains("3 attempts"), cause.getMessage());
    }

    @Test
    void transientFailuresAndThrottlingRecoverWithinTheRetries() {
        AtomicInteger calls = new AtomicInteger();
        server.respondWith(r -> switch (calls.incrementAndGet()) {
            case 1 -> Response.error(503, 50003, "Error while forwarding the request to the leader");
            case 2 -> Response.error(429, 42901, "Request rate limit exceeded");
            default -> Response.ok("{\"id\":11}");
        });

        assertEquals(11, client().register(SUBJECT, SCHEMA));
        assertEquals(3, server.requests().size());
    }

    @Test
    void refusedConnectionIsUnavailableQuickly() throws IOException {
        String deadUrl = "http://127.0.0.1:" + closedPort();
        long start = System.nanoTime();

        SchemaRegistryUnavailableException e = assertThrows(
                SchemaRegistryUnavailableException.class,
                () -> client(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, deadUrl)
                        .register(SUBJECT, SCHEMA));

        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);
        assertEquals(SchemaRegistryException.NO_STATUS, e.status());
        assertInstanceOf(ConnectException.class, e.getCause());
        assertTrue(e.getMessage().contains(deadUrl), e.getMessage());

        SpecificAvroDeserializer<TemperatureReading> deserializer =
                new SpecificAvroDeserializer<>(TemperatureReading.class);
        deserializer.configure(config(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, deadUrl), false);
        SerializationException wrapped = assertThrows(
                SerializationException.class,
                () -> deserializer.deserialize(TOPIC, TestRecords.framed(1, new byte[] {2, 'x'})));
        assertTrue(SchemaRegistryUnavailableException.isCauseOf(wrapped));
    }

    @Test
    void readTimeoutIsUnavailable() {
        server.respondWith(r -> {
            try {
                releaseBlockedHandlers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Response.ok("{\"id\":1}");
        });

        SchemaRegistryUnavailableException e = assertThrows(
                SchemaRegistryUnavailableException.class,
                () -> client(AvroSerdeConfig.HTTP_READ_TIMEOUT_MS, 200, AvroSerdeConfig.MAX_RETRIES_CONFIG, 0)
                        .register(SUBJECT, SCHEMA));

        assertInstanceOf(HttpTimeoutException.class, e.getCause());
        assertTrue(e.getMessage().contains("1 attempt"), e.getMessage());
    }

    @Test
    void aDeadUrlIsSkippedForTheNextOne() throws IOException {
        server.respondWith(r -> Response.ok("{\"id\":8}"));
        String urls = "http://127.0.0.1:" + closedPort() + "," + server.url();
        RestSchemaRegistryClient client =
                client(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, urls, AvroSerdeConfig.MAX_RETRIES_CONFIG, 0);

        assertEquals(8, client.register(SUBJECT, SCHEMA));
        assertEquals(8, client.register("other-value", SCHEMA));
        assertEquals(2, server.requests().size());
    }

    @Test
    void useLatestVersionFetchesTheLatestSchemaOnce() {
        Schema latestWithoutJavaProps =
                new Schema.Parser().parse(SCHEMA.toString().replace(",\"avro.java.string\":\"String\"", ""));
        server.respondWith(
                r -> r.method().equals("GET") && r.rawPath().equals("/subjects/" + SUBJECT + "/versions/latest")
                        ? Response.ok(subjectVersion(SUBJECT, 21, 4, latestWithoutJavaProps))
                        : Response.error(500, 50001, "unexpected " + r.method() + " " + r.rawPath()));
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>();
        serializer.configure(
                config(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false, AvroSerdeConfig.USE_LATEST_VERSION, true), false);

        byte[] first = serializer.serialize(TOPIC, reading());
        byte[] second = serializer.serialize(TOPIC, reading());

        assertEquals(21, TestRecords.schemaId(first));
        assertEquals(21, TestRecords.schemaId(second));
        assertEquals(1, server.requests().size());
        assertArrayEquals(TestRecords.encodeSpecific(reading()), TestRecords.payload(first));

        RegisteredSchema latest = client().getLatestSchema(SUBJECT);
        assertEquals(new RegisteredSchema(SUBJECT, 21, 4, latestWithoutJavaProps), latest);
    }

    @Test
    void concurrentMissesShareOneRequest() throws Exception {
        CountDownLatch firstRequestArrived = new CountDownLatch(1);
        server.respondWith(r -> {
            firstRequestArrived.countDown();
            try {
                releaseBlockedHandlers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Response.ok(json(Map.of("schema", SCHEMA.toString())));
        });
        RestSchemaRegistryClient client = client();
        int threads = 8;
        List<Thread> callers = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "registry-caller-" + callers.size());
            callers.add(thread);
            return thread;
        });
        try {
            List<Future<Schema>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> client.getSchemaById(5)));
            }
            assertTrue(firstRequestArrived.await(30, TimeUnit.SECONDS));
            // Hold the first request open until every caller is parked, i.e. waiting on it (or in
            // it), so that the others really are concurrent misses rather than later cache hits. Waits are
            // bounded by the call's time, hence TIMED_WAITING.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline
                    && !(callers.size() == threads
                            && callers.stream()
                                    .allMatch(t -> t.getState() == Thread.State.WAITING
                                            || t.getState() == Thread.State.TIMED_WAITING))) {
                Thread.onSpinWait();
            }
            releaseBlockedHandlers.countDown();
            for (Future<Schema> result : results) {
                assertEquals(SCHEMA, result.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, server.requests().size());
    }

    @Test
    void backoffDoublesUpToTheCap() {
        RestSchemaRegistryClient client =
                client(AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, 100, AvroSerdeConfig.RETRIES_MAX_WAIT_MS_CONFIG, 350);
        assertEquals(100, client.backoffMs(0));
        assertEquals(200, client.backoffMs(1));
        assertEquals(350, client.backoffMs(2));
        assertEquals(350, client.backoffMs(40));
    }

    @Test
    void compatibilityLevelIsSetPerSubject() {
        server.respondWith(r -> Response.ok("{\"compatibility\":\"BACKWARD\",\"normalize\":false}"));
        client().updateCompatibility("orders-value", "BACKWARD");

        FakeRegistryServer.Request request = server.requests().get(0);
        assertEquals("PUT", request.method());
        assertEquals("/config/orders-value", request.rawPath());
        assertEquals("{\"compatibility\":\"BACKWARD\"}", request.body());
    }

    @Test
    void compatibilityCheckReportsTheVerdictAndTreatsAnUnknownSubjectAsCompatible() {
        server.respondWith(r -> r.rawPath().startsWith("/compatibility/subjects/orders-value/")
                ? Response.ok("{\"is_compatible\":false,\"messages\":[\"READER_FIELD_MISSING_DEFAULT_VALUE: b\"]}")
                : Response.error(404, 40401, "Subject 'new-value' not found."));
        RestSchemaRegistryClient client = client();

        SchemaRegistryClient.CompatibilityResult verdict = client.testCompatibility("orders-value", SCHEMA);
        assertFalse(verdict.compatible());
        assertEquals(List.of("READER_FIELD_MISSING_DEFAULT_VALUE: b"), verdict.messages());
        assertEquals(
                "/compatibility/subjects/orders-value/versions/latest",
                server.requests().get(0).rawPath());
        assertEquals("POST", server.requests().get(0).method());
        assertTrue(client.testCompatibility("new-value", SCHEMA).compatible(), "nothing registered yet: anything goes");
    }
}
