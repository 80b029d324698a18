package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.eventpipelines.app.cli.CliRun;
import io.eventpipelines.app.cli.ExitCodes;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.testing.ApicurioRegistry;
import io.eventpipelines.testing.AppProcess;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.RegistryDecoder;
import io.eventpipelines.testing.SecureKafka;
import io.eventpipelines.testing.TestCertificates;
import io.eventpipelines.testing.TestFiles;
import io.eventpipelines.testing.TopicReader;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The app against a broker that authenticates every client (SASL_SSL with SCRAM-SHA-512, or mutual TLS) and
 * authorizes every request (StandardAuthorizer, nothing allowed without an ACL), and a real Apicurio Registry
 * over HTTPS with basic auth, all configured as Kafka and Confluent spell it. Certificates come from a CA made
 * by the test. Every password used here is checked against everything the app printed.
 */
class SecurityIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The bound for a wrong password: a clear error, not an endless retry. */
    private static final Duration FAIL_FAST = Duration.ofSeconds(30);

    private static final String STORE_PASSWORD = "StorePw4e1d";
    private static final String ADMIN_PASSWORD = "AdminPw8c2f";
    private static final String APP_PASSWORD = "AppPw3b9a";
    private static final String READER_PASSWORD = "NoReadPw6d0e";
    private static final String WRONG_PASSWORD = "WrongPw5a7c";
    private static final String REGISTRY_PASSWORD = "RegistryPw2f8b";
    private static final List<String> SECRETS =
            List.of(STORE_PASSWORD, ADMIN_PASSWORD, APP_PASSWORD, READER_PASSWORD, WRONG_PASSWORD, REGISTRY_PASSWORD);
    private static final List<String> TOPICS = List.copyOf(TopicAdmin.topicsOf(List.of(Pipeline.TEMPERATURE)));

    private static Path dir;
    private static TestCertificates certificates;
    private static SecureKafka kafka;
    private static ApicurioRegistry registry;
    /** Everything the app printed, in-process and in child JVMs, for the secrets check. */
    private static final List<String> printed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(
                ApicurioRegistry.supportsBasicAuth(),
                "the registry's HTTPS with basic auth needs Apicurio 3.x, on Java 21+; only Apicurio 2.6 runs here");
        dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "security-it-");
        certificates = new TestCertificates(dir.resolve("tls"), STORE_PASSWORD);
        TestCertificates.Store registryCertificate = certificates.server("registry");
        // The registry's JVM starts while the broker does: together they take the longest.
        CompletableFuture<ApicurioRegistry> starting = CompletableFuture.supplyAsync(() -> {
            try {
                return ApicurioRegistry.secured(registryCertificate, Map.of("app", REGISTRY_PASSWORD));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            kafka = new SecureKafka(certificates, ADMIN_PASSWORD);
            kafka.createTopics(1, TOPICS);
            kafka.createUser("app", APP_PASSWORD);
            kafka.createUser("reader-less", READER_PASSWORD);
            grantTemperature("User:app", "sec-ok", AclOperation.READ);
            grantTemperature("User:app-mtls", "sec-mtls", AclOperation.READ);
            // May see the input topic, but not read it.
            grantTemperature("User:reader-less", "sec-noread", AclOperation.DESCRIBE);
        } finally {
            registry = starting.get(3, TimeUnit.MINUTES);
        }
        // The schemas, registered as in production, over HTTPS with basic auth; internal topics' subjects are
        // named after the application id, so once per application that runs.
        for (String applicationId : List.of("sec-ok", "sec-mtls")) {
            CliRun registered = cli(
                    "schemas",
                    "register",
                    properties(applicationId, saslSettings("app", APP_PASSWORD)).toString());
            assertEquals(0, registered.exitCode(), registered.out() + registered.err());
        }
    }

    /** After every test: nothing the app printed (logs, stdout, stderr, in-process or not) holds a secret. */
    @AfterAll
    static void stop() throws Exception {
        if (dir == null) {
            return; // skipped: nothing started
        }
        try (AutoCloseable k = kafka;
                AutoCloseable r = registry) {
            List<String> leaks = new ArrayList<>();
            for (String output : printed) {
                for (String secret : SECRETS) {
                    output.lines()
                            .filter(line -> line.contains(secret))
                            .findFirst()
                            .ifPresent(line -> leaks.add(secret + " in: " + line));
                }
            }
            assertTrue(leaks.isEmpty(), String.join("\n", leaks));
            assertTrue(
                    printed.stream().anyMatch(output -> output.contains("AdminClientConfig values")),
                    "the child JVMs' logs were collected");
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    /** What the temperature pipeline needs, with {@code inputOperation} on its input topic. */
    private static void grantTemperature(String principal, String applicationId, AclOperation inputOperation)
            throws Exception {
        kafka.allow(principal, ResourceType.TOPIC, "temperature-readings", PatternType.LITERAL, inputOperation);
        kafka.allow(principal, ResourceType.TOPIC, "sensor-thresholds", PatternType.LITERAL, AclOperation.READ);
        for (String output : Pipeline.TEMPERATURE.outputTopics()) {
            kafka.allow(principal, ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.WRITE);
        }
        // Kafka Streams' consumer group and any internal topics are named after the application id.
        kafka.allow(principal, ResourceType.GROUP, applicationId, PatternType.PREFIXED, AclOperation.READ);
        kafka.allow(principal, ResourceType.TOPIC, applicationId, PatternType.PREFIXED, AclOperation.ALL);
    }

    // ---- configuration as users write it --------------------------------------------------------------

    private static Map<String, String> registrySettings(String registryPassword) {
        Map<String, String> settings = new HashMap<>();
        settings.put("schema.registry.url", registry.url());
        settings.put(
                "schema.registry.ssl.truststore.location",
                kafka.truststore().path().toString());
        settings.put("schema.registry.ssl.truststore.password", STORE_PASSWORD);
        settings.put("schema.registry.ssl.truststore.type", "PKCS12");
        settings.put("basic.auth.credentials.source", "USER_INFO");
        settings.put("basic.auth.user.info", "app:" + registryPassword);
        settings.put("auto.register.schemas", "false");
        return settings;
    }

    private static Map<String, String> saslSettings(String user, String password) {
        Map<String, String> settings = registrySettings(REGISTRY_PASSWORD);
        kafka.saslClient(user, password).forEach((key, value) -> settings.put(key, value.toString()));
        return settings;
    }

    private static Path properties(String name, Map<String, String> settings) throws IOException {
        StringBuilder text = new StringBuilder()
                .append("application.id=")
                .append(name)
                .append('\n')
                .append("pipelines=temperature\n")
                .append("state.dir=")
                .append(dir.resolve("state-" + name))
                .append('\n');
        settings.forEach((key, value) ->
                text.append(key).append('=').append(value.replace("\\", "\\\\")).append('\n'));
        Path file = dir.resolve(name + ".properties");
        Files.writeString(file, text);
        return file;
    }

    private static CliRun cli(String... args) {
        CliRun run = CliRun.of(args);
        printed.add(run.out());
        printed.add(run.err());
        return run;
    }

    private static AppProcess app(String name, Path properties, Map<String, String> env) throws IOException {
        return AppProcess.run(
                properties,
                dir.resolve(name + ".log"),
                env,
                Path.of("target", "test-classes", "logback-security-it.xml").toAbsolutePath());
    }

    private static String finish(AppProcess app) {
        String output = app.output();
        printed.add(output);
        return output;
    }

    // ---- the tests ---------------------------------------------------------------------------------------

    /**
     * SASL_SSL with the right password, the secrets coming from the environment rather than the file:
     * readings go in, alerts come out. Then READ on the input topic is revoked while it runs: the app stops
     * with exit 4 and a line naming the topic, instead of retrying forever.
     */
    @Test
    void correctCredentialsProcessRecordsUntilAnAclIsRevoked() throws Exception {
        Map<String, String> settings = saslSettings("app", APP_PASSWORD);
        Map<String, String> env = new HashMap<>();
        for (String secret : List.of(
                "sasl.jaas.config",
                "ssl.truststore.password",
                "schema.registry.ssl.truststore.password",
                "basic.auth.user.info")) {
            env.put(AppConfig.ENV_PREFIX + secret.toUpperCase(Locale.ROOT).replace('.', '_'), settings.remove(secret));
        }
        Path config = properties("sec-ok", settings);
        assertFalse(SECRETS.stream().anyMatch(secret -> readQuietly(config).contains(secret)), "no secret in the file");

        try (AppProcess app = app("sec-ok", config, env)) {
            app.await(
                    TIMEOUT,
                    "temperature RUNNING",
                    () -> app.output().contains("Pipeline temperature: REBALANCING -> RUNNING"));
            produce("ok", 35.0, 20.0, 31.5);
            List<String> alerts = alertsFor("ok", 2);
            assertEquals(List.of("ok-1 35.0", "ok-3 31.5"), alerts, app.tail());

            kafka.revoke(
                    "User:app", ResourceType.TOPIC, "temperature-readings", PatternType.LITERAL, AclOperation.READ);
            int exit = app.awaitExit(FAIL_FAST);
            String output = finish(app);
            assertEquals(ExitCodes.NOT_AUTHORIZED, exit, app.tail());
            assertTrue(
                    output.lines()
                            .anyMatch(
                                    line -> line.startsWith(
                                            "event-pipelines: not authorized: pipeline temperature: topics temperature-readings")),
                    app.tail());
            // Kafka's own configuration dumps ran, and hid the secrets themselves.
            assertTrue(output.contains("sasl.jaas.config = [hidden]"), app.tail());
            assertTrue(output.contains("basic.auth.user.info=[hidden]"), app.tail());
        } finally {
            kafka.allow("User:app", ResourceType.TOPIC, "temperature-readings", PatternType.LITERAL, AclOperation.READ);
        }
    }

    @Test
    void aWrongPasswordFailsFastWithExitFourAndOneClearLine() throws Exception {
        Path config = properties("sec-wrong", saslSettings("app", WRONG_PASSWORD));
        long started = System.nanoTime();
        try (AppProcess app = app("sec-wrong", config, Map.of())) {
            int exit = app.awaitExit(FAIL_FAST);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            String output = finish(app);
            assertEquals(ExitCodes.NOT_AUTHORIZED, exit, "within " + FAIL_FAST + ", took " + took + "\n" + app.tail());
            List<String> errors = output.lines()
                    .filter(line -> line.startsWith("event-pipelines:"))
                    .toList();
            assertEquals(1, errors.size(), output);
            String line = errors.get(0);
            assertTrue(
                    line.startsWith(
                            "event-pipelines: authentication failed: the cluster at " + kafka.bootstrapServers()
                                    + " refused the credentials (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, user 'app')"),
                    line);
            assertTrue(line.contains("invalid credentials"), line);
        }
    }

    @Test
    void aPrincipalWithoutReadOnTheInputTopicIsToldWhichTopicAndOperation() throws Exception {
        CliRun result = cli(
                "run",
                properties("sec-noread", saslSettings("reader-less", READER_PASSWORD))
                        .toString());
        assertEquals(ExitCodes.NOT_AUTHORIZED, result.exitCode(), result.err());
        assertEquals(1, result.err().strip().lines().count(), result.err());
        assertEquals(
                "event-pipelines: not authorized: User:reader-less lacks topic ACLs on temperature-readings (READ) at "
                        + kafka.bootstrapServers()
                        + " (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, user 'reader-less')",
                result.err().strip());
    }

    @Test
    void wrongRegistryCredentialsAreExitFourForRunAndTheSchemaCommands() throws Exception {
        Map<String, String> settings = saslSettings("app", APP_PASSWORD);
        settings.putAll(registrySettings(WRONG_PASSWORD));
        Path config = properties("sec-registry", settings);
        String refused = "event-pipelines: access denied: Schema Registry " + registry.url()
                + " answered HTTP 401 (not authenticated) as user 'app' while ";
        for (String[] command : List.of(
                new String[] {"schemas", "check"}, new String[] {"schemas", "register"}, new String[] {"run"})) {
            List<String> args = new ArrayList<>(List.of(command));
            args.add(config.toString());
            CliRun result = cli(args.toArray(String[]::new));
            assertEquals(ExitCodes.NOT_AUTHORIZED, result.exitCode(), String.join(" ", command) + ": " + result.err());
            assertEquals(1, result.err().strip().lines().count(), result.err());
            assertTrue(result.err().startsWith(refused), result.err());
        }
        // Registering on the fly changes nothing: the start looks the subjects up, instead of the first record failing.
        settings.put("auto.register.schemas", "true");
        CliRun run = cli("run", properties("sec-registry-auto", settings).toString());
        assertEquals(ExitCodes.NOT_AUTHORIZED, run.exitCode(), run.err());
        assertTrue(run.err().startsWith(refused), run.err());
    }

    /** SSL with a client certificate as the identity, against the listener that requires one. */
    @Test
    void mutualTlsProcessesRecords() throws Exception {
        TestCertificates.Store clientCertificate = certificates.client("app-mtls");
        Map<String, String> settings = registrySettings(REGISTRY_PASSWORD);
        kafka.mtlsClient(clientCertificate).forEach((key, value) -> settings.put(key, value.toString()));
        try (AppProcess app = app("sec-mtls", properties("sec-mtls", settings), Map.of())) {
            app.await(
                    TIMEOUT,
                    "temperature RUNNING",
                    () -> app.output().contains("Pipeline temperature: REBALANCING -> RUNNING"));
            produce("mtls", 40.0, 10.0);
            assertEquals(List.of("mtls-1 40.0"), alertsFor("mtls", 1), app.tail());
            assertEquals(143, app.stop(60), app.tail());
            finish(app);
        }
        // Without the certificate, the same listener lets nobody in.
        Map<String, String> anonymous = registrySettings(REGISTRY_PASSWORD);
        kafka.mtlsClient(clientCertificate).forEach((key, value) -> {
            if (!key.startsWith("ssl.key")) {
                anonymous.put(key, value.toString());
            }
        });
        CliRun refused = cli("run", properties("sec-mtls-none", anonymous).toString());
        assertEquals(ExitCodes.NOT_AUTHORIZED, refused.exitCode(), refused.err());
        assertTrue(
                refused.err()
                        .startsWith("event-pipelines: authentication failed: the cluster at "
                                + kafka.mtlsBootstrapServers()),
                refused.err());
    }

    // ---- input and output ----------------------------------------------------------------------------------

    /** Readings {@code <prefix>-1, -2, ...} with these temperatures, written by the super user. */
    private static void produce(String prefix, double... celsius) throws Exception {
        AvroSerdes serdes = new AvroSerdes(new HashMap<>(registrySettings(REGISTRY_PASSWORD)));
        try (KafkaProducer<String, TemperatureReading> producer = new KafkaProducer<>(
                kafka.superUserClient(),
                new StringSerializer(),
                serdes.value(TemperatureReading.class).serializer())) {
            for (int i = 0; i < celsius.length; i++) {
                String sensor = prefix + "-" + (i + 1);
                producer.send(new ProducerRecord<>(
                                "temperature-readings",
                                sensor,
                                new TemperatureReading(sensor, celsius[i], Instant.now(), null)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** "sensorId celsius" of the alerts for sensors {@code <prefix>-*}, once there are {@code count}, read as an outsider would. */
    private static List<String> alertsFor(String prefix, int count) {
        RegistryDecoder decoder = new RegistryDecoder(
                registry.url(),
                HttpClient.newBuilder()
                        .sslContext(certificates.trustingContext())
                        .build(),
                "app:" + REGISTRY_PASSWORD);
        try (TopicReader reader = new TopicReader(kafka.superUserClient(), "temperature-alerts")) {
            List<String> alerts = new ArrayList<>();
            Poll.until(TIMEOUT, count + " alerts for " + prefix, () -> {
                alerts.clear();
                for (ConsumerRecord<byte[], byte[]> record : reader.poll()) {
                    String key = new String(record.key(), StandardCharsets.UTF_8);
                    if (key.startsWith(prefix + "-")) {
                        GenericRecord alert = decoder.decode(record.value());
                        alerts.add(alert.get("sensorId") + " " + alert.get("celsius"));
                    }
                }
                return alerts.size() >= count;
            });
            return alerts.stream().sorted().toList();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
