package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.avro.AvroSerdeConfig;
import io.eventpipelines.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppConfigTest {
    private static final Map<String, String> MINIMAL = Map.of(
            "bootstrap.servers", "broker:9092",
            "schema.registry.url", "http://registry:8081");

    @TempDir
    Path dir;

    private static Map<String, String> minimalWith(String... keyValues) {
        Map<String, String> values = new HashMap<>(MINIMAL);
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] == null) {
                values.remove(keyValues[i]);
            } else {
                values.put(keyValues[i], keyValues[i + 1]);
            }
        }
        return values;
    }

    private static String problem(Map<String, String> values) {
        return assertThrows(InvalidConfigException.class, () -> AppConfig.of(values))
                .getMessage();
    }

    @Test
    void defaults() {
        AppConfig config = AppConfig.of(MINIMAL);
        assertEquals(
                List.of(Pipeline.TEMPERATURE, Pipeline.LOGS, Pipeline.INVENTORY, Pipeline.NOTIFICATIONS),
                config.pipelines());
        assertEquals(30.0, config.thresholdCelsius());
        assertEquals("event-pipelines", config.applicationIdPrefix());
        assertEquals(30_000, config.shutdownTimeout().toMillis());
    }

    /**
     * Kafka Streams makes its producers linger 100 ms, which every output of a steadily fed pipeline waited: the
     * app's producers linger 5 ms, as the effective producer configuration shows, unless a linger.ms is given.
     */
    @Test
    void thePipelinesProducersLingerFiveMillisecondsUnlessTold() {
        for (Pipeline pipeline : Pipeline.values()) {
            Map<String, Object> producer =
                    new StreamsConfig(AppConfig.of(MINIMAL).streamsProperties(pipeline)).getProducerConfigs("client");
            assertEquals("5", String.valueOf(producer.get("linger.ms")), pipeline.id());
        }
        for (String key : List.of(
                "linger.ms", "producer.linger.ms", "pipeline.logs.linger.ms", "pipeline.logs.producer.linger.ms")) {
            Map<String, Object> producer = new StreamsConfig(
                            AppConfig.of(minimalWith(key, "50")).streamsProperties(Pipeline.LOGS))
                    .getProducerConfigs("client");
            assertEquals("50", String.valueOf(producer.get("linger.ms")), key);
        }
    }

    /**
     * README's latency figures for exactly-once outputs rest on Kafka Streams' 100 ms commit interval under
     * exactly-once (30 s under at_least_once): a Kafka upgrade that changes either must be noticed.
     */
    @Test
    void exactlyOncePipelinesCommitEveryHundredMilliseconds() {
        for (Pipeline pipeline : Pipeline.values()) {
            StreamsConfig effective = new StreamsConfig(AppConfig.of(MINIMAL).streamsProperties(pipeline));
            boolean exactlyOnce = pipeline == Pipeline.INVENTORY || pipeline == Pipeline.NOTIFICATIONS;
            assertEquals(
                    exactlyOnce ? 100L : 30_000L,
                    effective.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG),
                    pipeline.id());
        }
    }

    /** Four producers' default 32 MiB buffers would fill most of a small heap when every pipeline catches up at once. */
    @Test
    void thePipelinesProducersBufferEightMebibytesUnlessTold() {
        for (Pipeline pipeline : Pipeline.values()) {
            Map<String, Object> producer =
                    new StreamsConfig(AppConfig.of(MINIMAL).streamsProperties(pipeline)).getProducerConfigs("client");
            assertEquals(String.valueOf(8 * 1024 * 1024), String.valueOf(producer.get("buffer.memory")), pipeline.id());
        }
        for (String key : List.of("buffer.memory", "producer.buffer.memory", "pipeline.logs.producer.buffer.memory")) {
            Map<String, Object> producer = new StreamsConfig(
                            AppConfig.of(minimalWith(key, "1048576")).streamsProperties(Pipeline.LOGS))
                    .getProducerConfigs("client");
            assertEquals("1048576", String.valueOf(producer.get("buffer.memory")), key);
        }
    }

    /** Kafka's default production handler dead-letters the input when an output fails; the app's never does. */
    @Test
    void everyPipelineFailsOnAnOutputErrorInsteadOfDeadLetteringTheInput() {
        AppConfig config = AppConfig.of(MINIMAL);
        for (Pipeline pipeline : Pipeline.values()) {
            assertEquals(
                    OutputExceptionHandler.class.getName(),
                    config.streamsProperties(pipeline).get("production.exception.handler"),
                    pipeline.id());
        }
    }

    /** A stream thread waiting for a hung registry longer than max.poll.interval.ms would lose its group. */
    @Test
    void aRegistryCallMayNotOutlastTheStreamThreadsPollInterval() {
        assertEquals(30_000, new AvroSerdeConfig(AppConfig.of(MINIMAL).serdeConfig()).callTimeoutMs());
        String problem = problem(minimalWith("schema.registry.call.timeout.ms", "200000"));
        assertTrue(problem.startsWith("schema.registry.call.timeout.ms"), problem);
        assertTrue(problem.contains("max.poll.interval.ms (300000)"), problem);
        String perPipeline = problem(minimalWith("pipeline.logs.max.poll.interval.ms", "40000"));
        assertTrue(perPipeline.contains("(40000) of pipeline logs"), perPipeline);
        AppConfig.of(minimalWith("schema.registry.call.timeout.ms", "10000", "max.poll.interval.ms", "20000"));
    }

    @Test
    void eachPipelineHasItsOwnApplicationIdAndDeadLetterTopic() {
        AppConfig config = AppConfig.of(minimalWith("application.id", "shop"));
        assertEquals(
                "shop-temperature",
                config.streamsProperties(Pipeline.TEMPERATURE).get("application.id"));
        assertEquals("shop-logs", config.streamsProperties(Pipeline.LOGS).get("application.id"));
        assertEquals(
                "shop-inventory", config.streamsProperties(Pipeline.INVENTORY).get("application.id"));
        assertEquals(
                "shop-notifications",
                config.streamsProperties(Pipeline.NOTIFICATIONS).get("application.id"));
        assertEquals(
                "inventory-dlq",
                config.streamsProperties(Pipeline.INVENTORY)
                        .get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG));
    }

    @Test
    void theAppsStreamsDefaultsYieldToTheUsersSettings() {
        Properties temperature = AppConfig.of(MINIMAL).streamsProperties(Pipeline.TEMPERATURE);
        assertEquals("10", temperature.get(StreamsConfig.POLL_MS_CONFIG));
        assertEquals(1000, mainConsumerConfig(MINIMAL, "heartbeat.interval.ms"));
        assertEquals(3000, mainConsumerConfig(minimalWith("heartbeat.interval.ms", "3000"), "heartbeat.interval.ms"));
        assertEquals(
                2000,
                mainConsumerConfig(
                        minimalWith("main.consumer.heartbeat.interval.ms", "2000"), "heartbeat.interval.ms"));
        assertEquals("-1", temperature.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
        for (Pipeline pipeline : Pipeline.values()) {
            assertEquals(
                    "-1", AppConfig.of(MINIMAL).streamsProperties(pipeline).get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
        }
        assertEquals(50, restoreFetchWait(MINIMAL));

        // A more specific prefix wins in Kafka Streams, so the app's restore-consumer default must step aside.
        assertEquals(300, restoreFetchWait(minimalWith("fetch.max.wait.ms", "300")));
        assertEquals(200, restoreFetchWait(minimalWith("consumer.fetch.max.wait.ms", "200")));
        assertEquals(100, restoreFetchWait(minimalWith("restore.consumer.fetch.max.wait.ms", "100")));
        assertEquals(300, restoreFetchWait(minimalWith("pipeline.temperature.fetch.max.wait.ms", "300")));

        assertEquals(
                "100",
                AppConfig.of(minimalWith("poll.ms", "100"))
                        .streamsProperties(Pipeline.TEMPERATURE)
                        .get(StreamsConfig.POLL_MS_CONFIG));
        assertEquals(
                "0",
                AppConfig.of(minimalWith("pipeline.inventory.max.task.idle.ms", "0"))
                        .streamsProperties(Pipeline.INVENTORY)
                        .get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
    }

    /** What Kafka Streams gives the temperature pipeline's main consumer for {@code key}. */
    private static int mainConsumerConfig(Map<String, String> values, String key) {
        Properties props = AppConfig.of(values).streamsProperties(Pipeline.TEMPERATURE);
        return Integer.parseInt(new StreamsConfig(props)
                .getMainConsumerConfigs("group", "client", 0)
                .get(key)
                .toString());
    }

    /** What Kafka Streams gives the temperature pipeline's restore consumer. */
    private static int restoreFetchWait(Map<String, String> values) {
        Properties props = AppConfig.of(values).streamsProperties(Pipeline.TEMPERATURE);
        Object wait =
                new StreamsConfig(props).getRestoreConsumerConfigs("restore").get("fetch.max.wait.ms");
        return Integer.parseInt(wait.toString());
    }

    @Test
    void inventoryKeepsOneStandbyCopyOfItsQueriedStoreUnlessTold() {
        AppConfig defaults = AppConfig.of(MINIMAL);
        assertEquals(1, standbys(defaults, Pipeline.INVENTORY));
        for (Pipeline other : List.of(Pipeline.TEMPERATURE, Pipeline.LOGS, Pipeline.NOTIFICATIONS)) {
            assertEquals(0, standbys(defaults, other), other.id());
        }
        assertEquals(0, standbys(AppConfig.of(minimalWith("num.standby.replicas", "0")), Pipeline.INVENTORY));
        assertEquals(
                2,
                standbys(
                        AppConfig.of(minimalWith("pipeline.inventory.num.standby.replicas", "2")), Pipeline.INVENTORY));
    }

    /** As Kafka Streams reads it, defaults included. */
    private static int standbys(AppConfig config, Pipeline pipeline) {
        return new StreamsConfig(config.streamsProperties(pipeline)).getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG);
    }

    @Test
    void inventoryAndNotificationsDefaultToExactlyOnceAndTheFileAndPerPipelineKeysOverride() {
        AppConfig defaults = AppConfig.of(MINIMAL);
        assertEquals(
                "exactly_once_v2",
                defaults.streamsProperties(Pipeline.INVENTORY).get("processing.guarantee"));
        assertEquals(
                "exactly_once_v2",
                defaults.streamsProperties(Pipeline.NOTIFICATIONS).get("processing.guarantee"));
        assertNull(defaults.streamsProperties(Pipeline.LOGS).get("processing.guarantee"));
        assertNull(defaults.streamsProperties(Pipeline.TEMPERATURE).get("processing.guarantee"));
        assertEquals(
                "at_least_once",
                AppConfig.of(minimalWith("pipeline.notifications.processing.guarantee", "at_least_once"))
                        .streamsProperties(Pipeline.NOTIFICATIONS)
                        .get("processing.guarantee"));

        AppConfig tuned = AppConfig.of(minimalWith(
                "processing.guarantee",
                "at_least_once",
                "pipeline.inventory.processing.guarantee",
                "exactly_once_v2",
                "pipeline.logs.num.stream.threads",
                "4"));
        assertEquals(
                "at_least_once", tuned.streamsProperties(Pipeline.TEMPERATURE).get("processing.guarantee"));
        assertEquals(
                "exactly_once_v2", tuned.streamsProperties(Pipeline.INVENTORY).get("processing.guarantee"));
        assertEquals("4", tuned.streamsProperties(Pipeline.LOGS).get("num.stream.threads"));
        assertNull(tuned.streamsProperties(Pipeline.TEMPERATURE).get("num.stream.threads"));
        assertFalse(tuned.streamsProperties(Pipeline.LOGS).containsKey("pipeline.logs.num.stream.threads"));
    }

    @Test
    void streamsPropertiesCarryClientAndSecuritySettingsAsKafkaSpellsThem() {
        Properties props = AppConfig.of(minimalWith(
                        "security.protocol", "SASL_SSL", "consumer.max.poll.records", "250", "producer.linger.ms", "5"))
                .streamsProperties(Pipeline.LOGS);
        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertEquals("250", props.get("consumer.max.poll.records"));
        assertEquals("5", props.get("producer.linger.ms"));
        assertEquals("broker:9092", props.get("bootstrap.servers"));
        assertFalse(props.containsKey("pipelines"), "the app's own keys stay out of the Kafka config");
    }

    @Test
    void environmentOverridesTheFile() throws IOException {
        Path file = dir.resolve("app.properties");
        Files.writeString(
                file,
                "bootstrap.servers=from-file:9092\nschema.registry.url=http://r:8081\n"
                        + "temperature.threshold.celsius=20\n");
        AppConfig config = AppConfig.load(
                file,
                Map.of(
                        "EVENT_PIPELINES_BOOTSTRAP_SERVERS", "from-env:9092",
                        "EVENT_PIPELINES_PIPELINES", "logs,temperature",
                        "PATH", "/usr/bin",
                        "EVENT_PIPELINES_", "ignored"));
        assertEquals("from-env:9092", config.streamsProperties(Pipeline.LOGS).get("bootstrap.servers"));
        assertEquals(List.of(Pipeline.TEMPERATURE, Pipeline.LOGS), config.pipelines());
        assertEquals(20.0, config.thresholdCelsius());
        assertFalse(config.serdeConfig().containsKey("path"));
    }

    @Test
    void environmentNamesMapToDottedLowerCaseKeys() {
        assertEquals(
                Map.of("schema.registry.url", "http://x", "basic.auth.user.info", "u:p"),
                AppConfig.fromEnvironment(Map.of(
                        "EVENT_PIPELINES_SCHEMA_REGISTRY_URL",
                        "http://x",
                        "EVENT_PIPELINES_BASIC_AUTH_USER_INFO",
                        "u:p")));
    }

    @Test
    void missingBootstrapServers() {
        assertEquals(
                "bootstrap.servers: is required: a comma-separated list of host:port",
                problem(minimalWith("bootstrap.servers", null)));
        assertTrue(problem(minimalWith("bootstrap.servers", " ")).startsWith("bootstrap.servers: "));
    }

    @Test
    void missingRegistryUrl() {
        assertTrue(problem(minimalWith("schema.registry.url", null)).startsWith("schema.registry.url: is required"));
    }

    @Test
    void nonNumericAndUnphysicalThresholds() {
        assertEquals(
                "temperature.threshold.celsius: 'warm' is not a number",
                problem(minimalWith("temperature.threshold.celsius", "warm")));
        assertTrue(problem(minimalWith("temperature.threshold.celsius", "NaN"))
                .startsWith("temperature.threshold.celsius: 'NaN' is not a temperature"));
        assertTrue(problem(minimalWith("temperature.threshold.celsius", "-300"))
                .startsWith("temperature.threshold.celsius: '-300' is not a temperature"));
    }

    @Test
    void unknownOrEmptyPipelines() {
        assertEquals(
                "pipelines: unknown pipeline 'billing' (known: temperature,logs,inventory,notifications)",
                problem(minimalWith("pipelines", "logs,billing")));
        assertTrue(problem(minimalWith("pipelines", " , ")).startsWith("pipelines: names no pipeline"));
    }

    @Test
    void badApplicationIdAndShutdownTimeout() {
        assertTrue(problem(minimalWith("application.id", "my app"))
                .startsWith("application.id: 'my app' may only contain"));
        assertEquals(
                "shutdown.timeout.ms: '0' is not a positive whole number",
                problem(minimalWith("shutdown.timeout.ms", "0")));
        assertEquals(
                "shutdown.timeout.ms: 'soon' is not a positive whole number",
                problem(minimalWith("shutdown.timeout.ms", "soon")));
    }

    @Test
    void everyPipelineSharesOneBoundedRocksDBBudget() {
        AppConfig defaults = AppConfig.of(MINIMAL);
        assertEquals(64L * 1024 * 1024, defaults.rocksDbMemoryBytes());
        AppConfig sized = AppConfig.of(minimalWith("rocksdb.memory.bytes", "100000000"));
        for (Pipeline pipeline : Pipeline.values()) {
            Properties props = sized.streamsProperties(pipeline);
            assertEquals(
                    BoundedRocksDBMemory.class,
                    new StreamsConfig(props).getClass(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG),
                    pipeline.id());
            assertEquals("100000000", props.get(BoundedRocksDBMemory.BYTES_CONFIG), pipeline.id());
            assertEquals(
                    String.valueOf(64L * 1024 * 1024),
                    defaults.streamsProperties(pipeline).get(BoundedRocksDBMemory.BYTES_CONFIG));
        }
        assertTrue(sized.unknownKeys().isEmpty(), "an app key: " + sized.unknownKeys());
        assertEquals(
                "33554432",
                AppConfig.fromEnvironment(Map.of("EVENT_PIPELINES_ROCKSDB_MEMORY_BYTES", "33554432"))
                        .get(AppConfig.ROCKSDB_MEMORY_CONFIG));
    }

    @Test
    void badRocksDBBudgetsFailNamingTheKey() {
        assertEquals(
                "rocksdb.memory.bytes: '64MiB' is not a size in bytes of at least 8388608 (8 MiB; default 67108864, 64 MiB)",
                problem(minimalWith("rocksdb.memory.bytes", "64MiB")));
        assertTrue(problem(minimalWith("rocksdb.memory.bytes", "8388607"))
                .startsWith("rocksdb.memory.bytes: '8388607' is not"));
        assertTrue(problem(minimalWith("rocksdb.memory.bytes", "-1")).startsWith("rocksdb.memory.bytes: '-1' is not"));
        assertTrue(problem(minimalWith("rocksdb.memory.bytes", "")).startsWith("rocksdb.memory.bytes: '' is not"));
        assertEquals(
                8L * 1024 * 1024,
                AppConfig.of(minimalWith("rocksdb.memory.bytes", "8388608")).rocksDbMemoryBytes());
        assertEquals(
                "pipeline.logs.rocksdb.memory.bytes: is one budget shared by every pipeline; set rocksdb.memory.bytes instead",
                problem(minimalWith("pipeline.logs.rocksdb.memory.bytes", "1000000000")));
    }

    /** A setter of the user's own replaces the bounded one (and with it the bound), like any Kafka setting. */
    @Test
    void aUsersOwnRocksDBConfigSetterWins() {
        Properties props = AppConfig.of(minimalWith("rocksdb.config.setter", BoundedRocksDBMemoryTest.class.getName()))
                .streamsProperties(Pipeline.INVENTORY);
        assertEquals(
                BoundedRocksDBMemoryTest.class.getName(), props.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
    }

    @Test
    void kafkaStreamsOwnValidationSurfacesAtStartNamingTheKey() {
        String message = problem(minimalWith("processing.guarantee", "twice"));
        assertTrue(message.contains("processing.guarantee") && message.contains("twice"), message);
        String perPipeline = problem(minimalWith("pipeline.logs.num.stream.threads", "many"));
        assertTrue(perPipeline.contains("num.stream.threads"), perPipeline);
    }

    @Test
    void registrySettingsAreValidatedAtStart() {
        String message = problem(minimalWith("auto.register.schemas", "sometimes"));
        assertTrue(message.contains("auto.register.schemas"), message);
    }

    @Test
    void unreadableFiles() throws IOException {
        Path missing = dir.resolve("nope.properties");
        assertEquals(
                "config file " + missing + ": does not exist",
                assertThrows(InvalidConfigException.class, () -> AppConfig.load(missing, Map.of()))
                        .getMessage());
        assertEquals(
                "config file " + dir + ": is a directory, not a properties file",
                assertThrows(InvalidConfigException.class, () -> AppConfig.load(dir, Map.of()))
                        .getMessage());
        Path malformed = dir.resolve("bad.properties");
        Files.writeString(malformed, "bootstrap.servers=\\uZZZZ\n");
        assertTrue(assertThrows(InvalidConfigException.class, () -> AppConfig.load(malformed, Map.of()))
                .getMessage()
                .startsWith("config file " + malformed + ": cannot be read"));
    }

    @Test
    void securityKeysAsKafkaAndConfluentSpellThemAreKnownAndOverridableFromTheEnvironment() {
        AppConfig config = AppConfig.of(minimalWith(
                "security.protocol",
                "SASL_SSL",
                "sasl.mechanism",
                "SCRAM-SHA-512",
                "ssl.truststore.location",
                "/t.p12",
                "ssl.keystore.location",
                "/k.p12",
                "ssl.endpoint.identification.algorithm",
                "https",
                "schema.registry.ssl.endpoint.identification.algorithm",
                "https",
                "basic.auth.credentials.source",
                "USER_INFO",
                "basic.auth.user.info",
                "u:p"));
        assertEquals(List.of(), config.unknownKeys());
        assertEquals("SASL_SSL", config.adminProperties().get("security.protocol"));
        assertEquals("/t.p12", config.streamsProperties(Pipeline.TEMPERATURE).get("ssl.truststore.location"));
        assertEquals(
                Map.of(
                        "sasl.jaas.config",
                        "x",
                        "ssl.truststore.password",
                        "y",
                        "schema.registry.ssl.truststore.password",
                        "z"),
                AppConfig.fromEnvironment(Map.of(
                        "EVENT_PIPELINES_SASL_JAAS_CONFIG",
                        "x",
                        "EVENT_PIPELINES_SSL_TRUSTSTORE_PASSWORD",
                        "y",
                        "EVENT_PIPELINES_SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD",
                        "z")));
    }

    @Test
    void theSecureExampleUsesOnlyKeysTheAppReadsWithSecretsFromTheEnvironment() {
        TestCertificates.Store truststore = new TestCertificates(dir.resolve("tls"), "example-pass").truststore();
        AppConfig config = AppConfig.load(
                Path.of("config", "secure.properties.example"),
                Map.of(
                        "EVENT_PIPELINES_SASL_JAAS_CONFIG",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"event-pipelines\" password=\"env-secret\";",
                        "EVENT_PIPELINES_SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION",
                        truststore.path().toString(),
                        "EVENT_PIPELINES_SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD",
                        truststore.password(),
                        "EVENT_PIPELINES_BASIC_AUTH_USER_INFO",
                        "event-pipelines:env-secret"));
        assertEquals(List.of(), config.unknownKeys());
        assertEquals("SASL_SSL", config.adminProperties().get("security.protocol"));
        assertEquals(
                "SCRAM-SHA-512", config.streamsProperties(Pipeline.INVENTORY).get("sasl.mechanism"));
        assertTrue(config.adminProperties().get("sasl.jaas.config").toString().contains("env-secret"));
        assertFalse(config.redacted().contains("env-secret"), config.redacted());
    }

    @Test
    void httpEndpointIsOffByDefaultAndAdvertisedForInteractiveQueries() {
        assertEquals(0, AppConfig.of(MINIMAL).httpPort());
        assertNull(AppConfig.of(MINIMAL).streamsProperties(Pipeline.INVENTORY).get("application.server"));
        AppConfig on = AppConfig.of(minimalWith("http.port", "8080", "application.server", "app-1.internal:8080"));
        assertEquals(8080, on.httpPort());
        assertEquals(
                "app-1.internal:8080", on.streamsProperties(Pipeline.INVENTORY).get("application.server"));
        assertTrue(
                AppConfig.of(minimalWith("http.port", "8081"))
                        .streamsProperties(Pipeline.INVENTORY)
                        .get("application.server")
                        .toString()
                        .endsWith(":8081"),
                "defaults to this host's address");
        assertEquals(
                "http.port: 'http' is not a port (0 to 65535; 0 turns the endpoint off)",
                problem(minimalWith("http.port", "http")));
    }

    @Test
    void instanceIdMakesEachPipelinesThreadsStaticMembersOfItsGroup() throws IOException {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "bootstrap.servers=b:9092\nschema.registry.url=http://r:8081\ninstance.id=from-file\n");
        // As a StatefulSet passes the pod's name.
        AppConfig config = AppConfig.load(file, Map.of("EVENT_PIPELINES_INSTANCE_ID", "event-pipelines-0"));
        assertEquals(Optional.of("event-pipelines-0"), config.instanceId());
        assertEquals(List.of(), config.unknownKeys());
        for (Pipeline pipeline : Pipeline.values()) {
            Properties props = config.streamsProperties(pipeline);
            assertEquals("event-pipelines-0", props.get("group.instance.id"), pipeline.id());
            assertFalse(props.containsKey("instance.id"), "the app's key stays out of the Kafka config");
            // What Kafka Streams makes of it: a name per stream thread, none for the restore consumer.
            StreamsConfig streams = new StreamsConfig(props);
            assertEquals(
                    "event-pipelines-0-2",
                    streams.getMainConsumerConfigs("g", "c", 2).get("group.instance.id"));
            assertNull(streams.getRestoreConsumerConfigs("c").get("group.instance.id"));
        }

        AppConfig dynamic = AppConfig.of(MINIMAL);
        assertTrue(dynamic.instanceId().isEmpty());
        for (Pipeline pipeline : Pipeline.values()) {
            assertNull(dynamic.streamsProperties(pipeline).get("group.instance.id"), pipeline.id());
        }
    }

    @Test
    void aStaticMemberStaysInItsGroupOnCloseAndADynamicOneLeaves() {
        assertEquals(
                CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP,
                PipelineRunner.membershipOnClose(AppConfig.of(minimalWith("instance.id", "a"))));
        assertEquals(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP,
                PipelineRunner.membershipOnClose(AppConfig.of(MINIMAL)));
    }

    @Test
    void badInstanceIdsAndGroupInstanceIdsGivenDirectlyFailNamingTheKey() {
        assertEquals(
                "instance.id: 'pod 0' is not an instance name: 1 to 200 letters, digits, '.', '_' and '-', unique "
                        + "among the instances (leave it out for no static membership)",
                problem(minimalWith("instance.id", "pod 0")));
        assertTrue(problem(minimalWith("instance.id", "")).startsWith("instance.id: '' is not an instance name"));
        assertTrue(problem(minimalWith("instance.id", "x".repeat(201))).startsWith("instance.id: "));
        assertEquals(
                Optional.of("x".repeat(200)),
                AppConfig.of(minimalWith("instance.id", "x".repeat(200))).instanceId());
        for (String key : List.of(
                "group.instance.id",
                "consumer.group.instance.id",
                "main.consumer.group.instance.id",
                "pipeline.logs.group.instance.id")) {
            assertEquals(
                    key
                            + ": is set by the app from instance.id (static membership, kept on close); set instance.id instead",
                    problem(minimalWith(key, "a")));
        }
        assertEquals(
                "instance.id: static membership needs group.protocol=classic: Kafka Streams' streams protocol does "
                        + "not support it (pipeline logs)",
                problem(minimalWith(
                        "instance.id", "a", "pipelines", "logs", "pipeline.logs.group.protocol", "streams")));
        assertTrue(problem(minimalWith("instance.id", "a", "group.protocol", "streams"))
                .startsWith("instance.id: "));
    }
}
