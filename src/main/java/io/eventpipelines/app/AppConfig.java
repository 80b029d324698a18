package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdeConfig;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.temperature.TemperatureTopology;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The app's configuration: one properties file holding Kafka Streams, client, security and Schema Registry
 * settings as Kafka and Confluent spell them, plus the app's own keys, with environment variables on top.
 * Everything is validated here, so that a bad configuration fails at start with one line naming the key.
 */
public final class AppConfig {
    /** {@code EVENT_PIPELINES_BOOTSTRAP_SERVERS} overrides {@code bootstrap.servers}. */
    public static final String ENV_PREFIX = "EVENT_PIPELINES_";

    public static final String PIPELINES_CONFIG = "pipelines";
    public static final String THRESHOLD_CONFIG = "temperature.threshold.celsius";
    public static final String SHUTDOWN_TIMEOUT_CONFIG = "shutdown.timeout.ms";
    public static final String STATS_GRACE_CONFIG = "temperature.stats.grace.ms";
    public static final String ERROR_RATE_GRACE_CONFIG = "logs.error.rate.grace.ms";
    /** {@code pipeline.<id>.<key>} sets {@code <key>} for that pipeline only, e.g. {@code pipeline.logs.num.stream.threads}. */
    public static final String PIPELINE_OVERRIDE_PREFIX = "pipeline.";
    /** Port of the HTTP endpoint (health, metrics, topology, inventory queries); 0 turns it off. */
    public static final String HTTP_PORT_CONFIG = "http.port";
    /** Address the HTTP endpoint binds to. */
    public static final String HTTP_HOST_CONFIG = "http.host";
    /** How often metrics of new tasks, stores and topics are picked up for {@code /metrics}. */
    public static final String METRICS_REFRESH_CONFIG = "metrics.refresh.interval.ms";
    /**
     * This instance's stable name (a StatefulSet pod's name, a host's name): each pipeline's consumer becomes a
     * static member of its group ({@code group.instance.id}), and closing keeps it in the group.
     */
    public static final String INSTANCE_ID_CONFIG = "instance.id";
    /**
     * RocksDB's memory, in bytes, for every persistent store of every pipeline together (block cache, index and
     * filter blocks, memtables): see {@link BoundedRocksDBMemory}.
     */
    public static final String ROCKSDB_MEMORY_CONFIG = "rocksdb.memory.bytes";

    public static final String DEFAULT_APPLICATION_ID = "event-pipelines";
    public static final long DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000L;
    /** The pipelines' producers' linger.ms unless one is set: see {@link #streamsProperties}. */
    static final String DEFAULT_LINGER_MS = "5";
    /** The pipelines' producers' buffer.memory unless one is set: 8 MiB. */
    static final String DEFAULT_PRODUCER_BUFFER_BYTES = Long.toString(8L << 20);

    private static final Set<String> APP_KEYS = Set.of(
            PIPELINES_CONFIG,
            THRESHOLD_CONFIG,
            SHUTDOWN_TIMEOUT_CONFIG,
            STATS_GRACE_CONFIG,
            ERROR_RATE_GRACE_CONFIG,
            HTTP_PORT_CONFIG,
            HTTP_HOST_CONFIG,
            METRICS_REFRESH_CONFIG,
            INSTANCE_ID_CONFIG,
            ROCKSDB_MEMORY_CONFIG,
            TopicAdmin.PARTITIONS_CONFIG,
            TopicAdmin.REPLICATION_FACTOR_CONFIG,
            TopicAdmin.AUTO_CREATE_CONFIG);
    private static final Set<String> KAFKA_KEYS = kafkaKeys();
    private static final List<String> CLIENT_PREFIXES = List.of(
            StreamsConfig.CONSUMER_PREFIX,
            StreamsConfig.MAIN_CONSUMER_PREFIX,
            StreamsConfig.RESTORE_CONSUMER_PREFIX,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX,
            StreamsConfig.PRODUCER_PREFIX,
            StreamsConfig.ADMIN_CLIENT_PREFIX);
    private static final Set<String> TOPIC_KEYS = topicConfigNames();
    private static final Pattern APPLICATION_ID = Pattern.compile("[a-zA-Z0-9._-]+");
    /**
     * What the broker accepts as a group.instance.id (at most 249 of these characters), less room for the
     * {@code -<thread>} suffix Kafka Streams appends.
     */
    private static final Pattern INSTANCE_ID = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i).*(password|secret|sasl\\.jaas\\.config|user\\.info|token|credentials(?!\\.source)|keystore\\.key$).*");
    /** Every key Kafka itself types PASSWORD (and so prints as [hidden]), whatever its name says. */
    private static final Set<String> KAFKA_PASSWORD_KEYS = kafkaPasswordKeys();

    private final Map<String, String> values;
    private final String applicationIdPrefix;
    private final List<Pipeline> pipelines;
    private final double thresholdCelsius;
    private final Duration shutdownTimeout;
    private final Duration temperatureStatsGrace;
    private final Duration errorRateGrace;
    private final int topicPartitions;
    private final Optional<Short> topicReplicationFactor;
    private final boolean autoCreateTopics;
    private final int httpPort;
    private final Duration metricsRefreshInterval;
    private final Optional<String> instanceId;
    private final long rocksDbMemoryBytes;

    private AppConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        require(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "is required: a comma-separated list of host:port");
        require(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "is required: the Schema Registry URL (or mock://<scope>)");
        this.applicationIdPrefix = parseApplicationId();
        this.pipelines = parsePipelines();
        this.thresholdCelsius = parseThreshold();
        this.shutdownTimeout =
                Duration.ofMillis(parsePositiveLong(SHUTDOWN_TIMEOUT_CONFIG, DEFAULT_SHUTDOWN_TIMEOUT_MS));
        this.temperatureStatsGrace = parseGrace(STATS_GRACE_CONFIG, TemperatureTopology.DEFAULT_STATS_GRACE);
        this.errorRateGrace = parseGrace(ERROR_RATE_GRACE_CONFIG, LogRoutingTopology.DEFAULT_ERROR_RATE_GRACE);
        this.topicPartitions = (int) Math.min(
                Integer.MAX_VALUE, parsePositiveLong(TopicAdmin.PARTITIONS_CONFIG, TopicAdmin.DEFAULT_PARTITIONS));
        this.topicReplicationFactor = parseReplicationFactor();
        this.autoCreateTopics = parseBoolean(TopicAdmin.AUTO_CREATE_CONFIG, false);
        this.httpPort = parsePort(HTTP_PORT_CONFIG);
        this.metricsRefreshInterval = Duration.ofMillis(parsePositiveLong(METRICS_REFRESH_CONFIG, 15_000L));
        this.instanceId = parseInstanceId();
        this.rocksDbMemoryBytes = parseRocksDbMemory();
        validateWithLibraries();
    }

    /** Reads the file, applies the {@code EVENT_PIPELINES_*} variables of {@code env} over it, and validates. */
    public static AppConfig load(Path file, Map<String, String> env) {
        Map<String, String> values = readFile(file);
        values.putAll(fromEnvironment(env));
        return new AppConfig(values);
    }

    /** Validates properties given directly (tests, the describe command). */
    public static AppConfig of(Map<String, String> values) {
        return new AppConfig(new HashMap<>(values));
    }

    static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> overrides = new HashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                String key = name.substring(ENV_PREFIX.length())
                        .toLowerCase(Locale.ROOT)
                        .replace('_', '.');
                overrides.put(key, value);
            }
        });
        return overrides;
    }

    private static Map<String, String> readFile(Path file) {
        String key = "config file " + file;
        if (Files.isDirectory(file)) {
            throw new InvalidConfigException(key, "is a directory, not a properties file");
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(key, "does not exist");
        } catch (AccessDeniedException e) {
            throw new InvalidConfigException(key, "is not readable (permission denied)");
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException(key, "cannot be read: " + e.getMessage());
        }
        Map<String, String> values = new HashMap<>();
        props.stringPropertyNames()
                .forEach(name -> values.put(name, props.getProperty(name).trim()));
        return values;
    }

    public List<Pipeline> pipelines() {
        return pipelines;
    }

    public String applicationIdPrefix() {
        return applicationIdPrefix;
    }

    public double thresholdCelsius() {
        return thresholdCelsius;
    }

    /** How long after its end a 1-minute temperature-stats window still takes late readings. */
    public Duration temperatureStatsGrace() {
        return temperatureStatsGrace;
    }

    /** How long after its end a 1-minute log-error-rates window still takes late errors. */
    public Duration errorRateGrace() {
        return errorRateGrace;
    }

    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    public int topicPartitions() {
        return topicPartitions;
    }

    /** Empty means the broker's default. */
    public Optional<Short> topicReplicationFactor() {
        return topicReplicationFactor;
    }

    public boolean autoCreateTopics() {
        return autoCreateTopics;
    }

    /** 0 when the HTTP endpoint is off. */
    public int httpPort() {
        return httpPort;
    }

    public Duration metricsRefreshInterval() {
        return metricsRefreshInterval;
    }

    /** Set: every pipeline's consumers are static group members, which stay in their groups on close. */
    public Optional<String> instanceId() {
        return instanceId;
    }

    /** The RocksDB budget every pipeline's persistent stores share. */
    public long rocksDbMemoryBytes() {
        return rocksDbMemoryBytes;
    }

    public String httpHost() {
        return values.getOrDefault(HTTP_HOST_CONFIG, "0.0.0.0");
    }

    /**
     * Where other instances reach this one for interactive queries: Kafka's {@code application.server} when
     * set, else this host's address and the HTTP port. The address rather than the name: replicas of a
     * container service can reach each other's addresses, not always each other's container hostnames.
     */
    public String applicationServer() {
        String configured = values.get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        if (httpPort == 0) {
            return null;
        }
        try {
            return InetAddress.getLocalHost().getHostAddress() + ":" + httpPort;
        } catch (UnknownHostException e) {
            return "localhost:" + httpPort;
        }
    }

    /** Client settings (bootstrap, security) for an Admin or producer of the app's own. */
    public Map<String, Object> adminProperties() {
        Map<String, Object> props = new HashMap<>();
        values.forEach((key, value) -> {
            if (!APP_KEYS.contains(key)
                    && !key.startsWith(PIPELINE_OVERRIDE_PREFIX)
                    && AdminClientConfig.configNames().contains(key)) {
                props.put(key, value);
            }
        });
        return props;
    }

    /** Every setting, for the serdes and registry client (which, like Confluent's, read their keys from it). */
    public Map<String, Object> serdeConfig() {
        return new HashMap<>(values);
    }

    /**
     * The Kafka Streams configuration of one pipeline. Precedence, lowest first: the app's defaults for the
     * pipeline, the file and environment, then {@code pipeline.<id>.*}; the application id is always
     * {@code <application.id>-<pipeline>}.
     */
    public Properties streamsProperties(Pipeline pipeline) {
        Properties props = new Properties();
        props.put(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // Kafka's default production handler dead-letters the input whenever an output fails; ours fails the task.
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OutputExceptionHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, pipeline.deadLetterTopic());
        props.put(DeadLetterCounter.PIPELINE_CONFIG, pipeline.id());
        // Auto-generated internal names shift when the topology changes, silently orphaning state and topics.
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        // Emit-final windows look for closed windows at most once per this many ms of wall clock, on a record's
        // arrival: with the default 1000, a window closed by a partition's last record for a while stayed
        // unemitted until the next one (at the end of a backlog, most of the last minutes' windows). Looking on
        // every record builds two small maps of windows (5% of temperature's stream thread); the store is only
        // scanned when stream time crosses into a new window.
        props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, "0");
        // How long a stream thread blocks in poll when it has nothing to process, and the restore consumer on
        // every restoration round: with the default 100, each round of restoring a task's changelogs took at
        // least 0.1 s, which is most of the time to RUNNING for these small stores. An idle thread wakes up
        // 100 times a second instead of 10; a busy one never waits in poll.
        props.put(StreamsConfig.POLL_MS_CONFIG, "10");
        // How soon a member learns that its group rebalances (Kafka: 3000; session.timeout.ms stays 45 s). The
        // members that did not start a rebalance wait for their next heartbeat to join it, and so do the others:
        // with several stream threads, each first start waited 3 s (the repartition topic, created during the
        // first assignment, makes one thread rejoin), and so does every scale-out or restart of an instance.
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        // No task idling. Idling only orders the records of one task's partitions by timestamp, and Kafka Streams
        // 4.3 (and 4.4) builds and formats log strings in that check for every record while one of the task's
        // partitions has nothing buffered: a fifth of temperature's time, 6% of logs' and inventory's. Logs and
        // notifications read one partition per task. Temperature applies thresholds from their arrival on.
        // Inventory orders a product's orders and restocks by their arrival at its repartition topic, and they come
        // from tasks of different partitions (orders are keyed by orderId), which idling never ordered.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, String.valueOf(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // Inventory: a replayed order would be reserved twice and every later stockAfter of its product wrong.
        // Notifications become emails and SMS, the most visible duplicate there is: at_least_once replays up to a
        // commit interval (30 s) of orders after every crash, and 5 SIGKILLs in 90 s at 200 orders/s notified
        // 2,061 of 16,002 orders twice or more. Temperature and logs feed dashboards, where a repeated alert or
        // log line costs less than the transactions; pipeline.<name>.processing.guarantee overrides either way.
        if (pipeline == Pipeline.INVENTORY || pipeline == Pipeline.NOTIFICATIONS) {
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        }
        // Every persistent store of every pipeline in the JVM draws on one bounded cache (a setter of the user's
        // own, below, replaces it and with it the bound).
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDBMemory.class.getName());
        props.put(BoundedRocksDBMemory.BYTES_CONFIG, Long.toString(rocksDbMemoryBytes));
        String overridePrefix = PIPELINE_OVERRIDE_PREFIX + pipeline.id() + ".";
        values.forEach((key, value) -> {
            if (!APP_KEYS.contains(key) && !key.startsWith(PIPELINE_OVERRIDE_PREFIX)) {
                props.put(key, value);
            }
        });
        values.forEach((key, value) -> {
            if (key.startsWith(overridePrefix)) {
                props.put(key.substring(overridePrefix.length()), value);
            }
        });
        // Before a task runs, the restore consumer reads its changelogs to their end. Its fetch for an empty or
        // caught-up changelog waits fetch.max.wait.ms (500) on the broker, and changelogs assigned meanwhile queue
        // behind that fetch: every start and rebalance took about 0.5 s longer. Only restoration and standby
        // tasks use this consumer; standby tasks, if configured, fetch up to 20 times a second when idle. Set
        // last and only when no fetch.max.wait.ms is given, which the more specific prefix would otherwise beat.
        String restoreFetchWait = StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
        if (!props.containsKey(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)
                && !props.containsKey(restoreFetchWait)
                && !props.containsKey(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG))) {
            props.put(restoreFetchWait, "50");
        }
        // Kafka Streams' producers wait linger.ms=100 (Kafka Streams' own override; Kafka's producer waits 5) for
        // more records before a batch is sent: every output of a steadily fed pipeline waited about that long. With 5,
        // at_least_once outputs at 1,000 records/s appeared after 33 ms at the median instead of 80-106 ms (latency
        // benchmark, 2026-12-02). A backlog still fills batches (batch.size) long before 5 ms pass.
        producerDefault(props, ProducerConfig.LINGER_MS_CONFIG, DEFAULT_LINGER_MS);
        // Each stream thread's producer may hold buffer.memory of unsent records on the heap (Kafka: 32 MiB): four
        // pipelines catching up at once could fill 128 MiB, most of the heap README recommends. 8 MiB is still 512
        // batches of batch.size (16 KiB) per producer, far more than its 5 requests in flight per broker carry.
        producerDefault(props, ProducerConfig.BUFFER_MEMORY_CONFIG, DEFAULT_PRODUCER_BUFFER_BYTES);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationIdPrefix + "-" + pipeline.id());
        // Each pipeline is a group of its own, so the same name is unique in each; Kafka Streams appends
        // -<thread index> per stream thread (its restore and global consumers get none).
        instanceId.ifPresent(id -> props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        if (pipeline == Pipeline.INVENTORY
                && httpPort != 0
                && !props.containsKey(StreamsConfig.APPLICATION_SERVER_CONFIG)) {
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer());
        }
        return props;
    }

    /** Sets a producer setting of the pipelines unless the user gave it, with or without the producer prefix. */
    private static void producerDefault(Properties props, String key, String value) {
        if (!props.containsKey(key) && !props.containsKey(StreamsConfig.producerPrefix(key))) {
            props.put(StreamsConfig.producerPrefix(key), value);
        }
    }

    /**
     * Keys that neither the app, Kafka Streams and its clients, nor the registry client read: most often a
     * typo, which would otherwise be ignored without a word.
     */
    public List<String> unknownKeys() {
        List<String> unknown = new ArrayList<>();
        for (String key : values.keySet()) {
            String kafkaKey = key;
            if (key.startsWith(PIPELINE_OVERRIDE_PREFIX)) {
                String rest = key.substring(PIPELINE_OVERRIDE_PREFIX.length());
                int dot = rest.indexOf('.');
                if (dot < 0 || Pipeline.fromId(rest.substring(0, dot)).isEmpty()) {
                    unknown.add(key);
                    continue;
                }
                kafkaKey = rest.substring(dot + 1);
            }
            if (!isKnown(kafkaKey)) {
                unknown.add(key);
            }
        }
        return unknown;
    }

    static boolean isKnown(String key) {
        if (APP_KEYS.contains(key) || AvroSerdeConfig.KEYS.contains(key) || KAFKA_KEYS.contains(key)) {
            return true;
        }
        for (String prefix : CLIENT_PREFIXES) {
            if (key.startsWith(prefix) && KAFKA_KEYS.contains(key.substring(prefix.length()))) {
                return true;
            }
        }
        return key.startsWith(StreamsConfig.TOPIC_PREFIX)
                && TOPIC_KEYS.contains(key.substring(StreamsConfig.TOPIC_PREFIX.length()));
    }

    /** The settings as {@code key=value} lines, secrets masked (a password in a registry URL too): safe to log. */
    public String redacted() {
        StringBuilder out = new StringBuilder();
        values.forEach((key, value) -> out.append(key)
                .append('=')
                .append(
                        isSecret(key)
                                ? "[hidden]"
                                : key.endsWith(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG)
                                        ? AvroSerdeConfig.redactUrls(value)
                                        : value)
                .append('\n'));
        return out.toString();
    }

    private static Set<String> kafkaPasswordKeys() {
        Set<String> keys = new HashSet<>();
        for (ConfigDef def : List.of(
                StreamsConfig.configDef(),
                ConsumerConfig.configDef(),
                ProducerConfig.configDef(),
                AdminClientConfig.configDef())) {
            def.configKeys().forEach((name, key) -> {
                if (key.type == ConfigDef.Type.PASSWORD) {
                    keys.add(name);
                }
            });
        }
        return Set.copyOf(keys);
    }

    private static Set<String> kafkaKeys() {
        Set<String> keys = new HashSet<>(StreamsConfig.configDef().names());
        keys.addAll(ConsumerConfig.configNames());
        keys.addAll(ProducerConfig.configNames());
        keys.addAll(AdminClientConfig.configNames());
        return Set.copyOf(keys);
    }

    private static Set<String> topicConfigNames() {
        Set<String> names = new HashSet<>();
        for (Field field : TopicConfig.class.getFields()) {
            if (field.getName().endsWith("_CONFIG") && field.getType() == String.class) {
                try {
                    names.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    // public constants: not reached
                }
            }
        }
        return Set.copyOf(names);
    }

    /** Secret by name, or typed PASSWORD by Kafka, also behind a prefix such as consumer. or pipeline.logs. */
    static boolean isSecret(String key) {
        if (SECRET_KEY.matcher(key).matches()) {
            return true;
        }
        for (int dot = -1; ; dot = key.indexOf('.', dot + 1)) {
            if (KAFKA_PASSWORD_KEYS.contains(key.substring(dot + 1))) {
                return true;
            }
            if (key.indexOf('.', dot + 1) < 0) {
                return false;
            }
        }
    }

    private String parseApplicationId() {
        String id = values.getOrDefault(StreamsConfig.APPLICATION_ID_CONFIG, DEFAULT_APPLICATION_ID);
        if (!APPLICATION_ID.matcher(id).matches()) {
            throw new InvalidConfigException(
                    StreamsConfig.APPLICATION_ID_CONFIG,
                    "'" + id + "' may only contain letters, digits, '.', '_' and '-' (it prefixes topic names)");
        }
        return id;
    }

    private Optional<String> parseInstanceId() {
        // A group.instance.id given directly would make members static that PipelineRunner then takes out of
        // their groups on close (leaving is right only for dynamic members): one key, which does both.
        for (String key : values.keySet()) {
            if (key.equals(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)
                    || key.endsWith("." + ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)) {
                throw new InvalidConfigException(
                        key,
                        "is set by the app from instance.id (static membership, kept on "
                                + "close); set instance.id instead");
            }
        }
        String raw = values.get(INSTANCE_ID_CONFIG);
        if (raw == null) {
            return Optional.empty();
        }
        if (!INSTANCE_ID.matcher(raw).matches()) {
            throw new InvalidConfigException(
                    INSTANCE_ID_CONFIG,
                    "'" + raw + "' is not an instance name: 1 to 200 letters, "
                            + "digits, '.', '_' and '-', unique among the instances (leave it out for no static membership)");
        }
        for (Pipeline pipeline : pipelines) {
            String protocolKey = PIPELINE_OVERRIDE_PREFIX + pipeline.id() + "." + StreamsConfig.GROUP_PROTOCOL_CONFIG;
            String protocol = values.getOrDefault(protocolKey, values.get(StreamsConfig.GROUP_PROTOCOL_CONFIG));
            if ("streams".equalsIgnoreCase(protocol)) {
                throw new InvalidConfigException(
                        INSTANCE_ID_CONFIG,
                        "static membership needs group.protocol=classic: "
                                + "Kafka Streams' streams protocol does not support it (pipeline " + pipeline.id()
                                + ")");
            }
        }
        return Optional.of(raw);
    }

    private long parseRocksDbMemory() {
        // One budget for the JVM: a pipeline's own would be a second cache beside the first, not a share of it.
        for (Pipeline pipeline : Pipeline.values()) {
            String perPipeline = PIPELINE_OVERRIDE_PREFIX + pipeline.id() + "." + ROCKSDB_MEMORY_CONFIG;
            if (values.containsKey(perPipeline)) {
                throw new InvalidConfigException(
                        perPipeline,
                        "is one budget shared by every pipeline; set " + ROCKSDB_MEMORY_CONFIG + " instead");
            }
        }
        String raw = values.get(ROCKSDB_MEMORY_CONFIG);
        if (raw == null) {
            return BoundedRocksDBMemory.DEFAULT_BYTES;
        }
        try {
            long bytes = Long.parseLong(raw);
            if (bytes >= BoundedRocksDBMemory.MIN_BYTES) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidConfigException(
                ROCKSDB_MEMORY_CONFIG,
                "'" + raw + "' is not a size in bytes of at least " + BoundedRocksDBMemory.MIN_BYTES
                        + " (8 MiB; default " + BoundedRocksDBMemory.DEFAULT_BYTES + ", 64 MiB)");
    }

    private List<Pipeline> parsePipelines() {
        String raw = values.getOrDefault(PIPELINES_CONFIG, Pipeline.allIds());
        EnumSet<Pipeline> selected = EnumSet.noneOf(Pipeline.class);
        for (String part : raw.split(",")) {
            String id = part.trim();
            if (id.isEmpty()) {
                continue;
            }
            selected.add(Pipeline.fromId(id)
                    .orElseThrow(() -> new InvalidConfigException(
                            PIPELINES_CONFIG, "unknown pipeline '" + id + "' (known: " + Pipeline.allIds() + ")")));
        }
        if (selected.isEmpty()) {
            throw new InvalidConfigException(PIPELINES_CONFIG, "names no pipeline (known: " + Pipeline.allIds() + ")");
        }
        return List.copyOf(selected);
    }

    private double parseThreshold() {
        String raw = values.get(THRESHOLD_CONFIG);
        if (raw == null) {
            return TemperatureTopology.DEFAULT_THRESHOLD_CELSIUS;
        }
        double threshold;
        try {
            threshold = Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(THRESHOLD_CONFIG, "'" + raw + "' is not a number");
        }
        if (!Double.isFinite(threshold) || threshold < TemperatureTopology.ABSOLUTE_ZERO_CELSIUS) {
            throw new InvalidConfigException(
                    THRESHOLD_CONFIG,
                    "'" + raw + "' is not a temperature (finite, >= " + TemperatureTopology.ABSOLUTE_ZERO_CELSIUS
                            + ")");
        }
        return threshold;
    }

    private Duration parseGrace(String key, Duration defaultValue) {
        String raw = values.get(key);
        if (raw == null) {
            return defaultValue;
        }
        try {
            long millis = Long.parseLong(raw);
            if (millis >= 0) {
                return Duration.ofMillis(millis);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidConfigException(key, "'" + raw + "' is not a grace period (milliseconds, >= 0)");
    }

    private Optional<Short> parseReplicationFactor() {
        String key = values.containsKey(TopicAdmin.REPLICATION_FACTOR_CONFIG)
                ? TopicAdmin.REPLICATION_FACTOR_CONFIG
                : StreamsConfig.REPLICATION_FACTOR_CONFIG;
        String raw = values.get(key);
        if (raw == null || raw.equals("-1")) {
            return Optional.empty();
        }
        try {
            short factor = Short.parseShort(raw);
            if (factor > 0) {
                return Optional.of(factor);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidConfigException(
                key, "'" + raw + "' is not a replication factor (a positive number, or -1 for the broker's default)");
    }

    private int parsePort(String key) {
        String raw = values.get(key);
        if (raw == null) {
            return 0;
        }
        try {
            int port = Integer.parseInt(raw);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidConfigException(key, "'" + raw + "' is not a port (0 to 65535; 0 turns the endpoint off)");
    }

    private boolean parseBoolean(String key, boolean defaultValue) {
        String raw = values.get(key);
        if (raw == null) {
            return defaultValue;
        }
        if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(raw);
        }
        throw new InvalidConfigException(key, "'" + raw + "' is not true or false");
    }

    private long parsePositiveLong(String key, long defaultValue) {
        String raw = values.get(key);
        if (raw == null) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(raw);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the same message as a non-positive number
        }
        throw new InvalidConfigException(key, "'" + raw + "' is not a positive whole number");
    }

    private void require(String key, String problem) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new InvalidConfigException(key, problem);
        }
    }

    /** Kafka's and the serde's own checks, so their complaints surface at start rather than mid-run. */
    private void validateWithLibraries() {
        try {
            AvroSerdeConfig serde = new AvroSerdeConfig(serdeConfig());
            for (Pipeline pipeline : pipelines) {
                StreamsConfig streams = new StreamsConfig(streamsProperties(pipeline));
                Object configured = streams.getMainConsumerConfigs("check", "check", 0)
                        .get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
                // Kafka Streams leaves the consumer's own default (5 minutes) unless one is set.
                long maxPollInterval = configured == null ? 300_000L : Long.parseLong(String.valueOf(configured));
                if (serde.callTimeoutMs() > maxPollInterval / 2) {
                    // A stream thread waiting that long for a hung registry would be thrown out of its group.
                    throw new InvalidConfigException(
                            AvroSerdeConfig.CALL_TIMEOUT_MS,
                            "'" + serde.callTimeoutMs()
                                    + "' must be at most half of max.poll.interval.ms (" + maxPollInterval
                                    + ") of pipeline "
                                    + pipeline.id());
                }
            }
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage(), e);
        }
    }
}
