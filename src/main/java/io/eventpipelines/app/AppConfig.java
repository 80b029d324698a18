package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdeConfig;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.temperature.TemperatureTopology;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The app's configuration: one properties file holding Kafka Streams, client, security and Schema Registry
 * settings as Kafka and Confluent spell them, plus the app's own keys, with environment variables on top.
 * Everything is validated here, so that a bad configuration fails at start with one line naming the key.
 *
 * <p>The key catalogue and redaction are in {@link ConfigKeys}, the Kafka Streams defaults in {@link StreamsDefaults}.
 * This file stays over 300 lines on purpose: each app key's parsing and its one-line error sit beside its getter, so
 * that a key is read in one place.
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
    /** How long a pipeline may be behind on its input without processing or committing anything (see Progress). */
    public static final String HEALTH_STALL_TIMEOUT_CONFIG = "health.stall.timeout.ms";
    /** {@code text} (default) or {@code json}: how the console logs (see {@link LogFormat}). */
    public static final String LOG_FORMAT_CONFIG = "log.format";

    public static final String DEFAULT_APPLICATION_ID = "event-pipelines";
    public static final long DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000L;
    private static final Pattern APPLICATION_ID = Pattern.compile("[a-zA-Z0-9._-]+");
    /**
     * What the broker accepts as a group.instance.id (at most 249 of these characters), less room for the
     * {@code -<thread>} suffix Kafka Streams appends.
     */
    private static final Pattern INSTANCE_ID = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

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
    private final LogFormat logFormat;
    private final Duration healthStallTimeout;

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
        this.logFormat = parseLogFormat();
        this.healthStallTimeout = Duration.ofMillis(parsePositiveLong(HEALTH_STALL_TIMEOUT_CONFIG, 60_000L));
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

    /** The same configuration with one key set, validated again (a command-line option over the file). */
    public AppConfig with(String key, String value) {
        Map<String, String> changed = new HashMap<>(values);
        changed.put(key, value);
        return new AppConfig(changed);
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

    /** A pipeline's {@code application.id}: the prefix, a dash and the pipeline's id. Its consumer group too. */
    public String applicationId(Pipeline pipeline) {
        return applicationIdPrefix + "-" + pipeline.id();
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
    public Duration healthStallTimeout() {
        return healthStallTimeout;
    }

    public LogFormat logFormat() {
        return logFormat;
    }

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
            if (!ConfigKeys.isAppKey(key)
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
        return StreamsDefaults.of(pipeline, this, values);
    }

    /**
     * Keys that neither the app, Kafka Streams and its clients, nor the registry client read: most often a
     * typo, which would otherwise be ignored without a word.
     */
    public List<String> unknownKeys() {
        return ConfigKeys.unknown(values.keySet());
    }

    /** The settings as {@code key=value} lines, secrets masked (a password in a registry URL too): safe to log. */
    public String redacted() {
        return ConfigKeys.redacted(values);
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

    private LogFormat parseLogFormat() {
        String raw = values.getOrDefault(LOG_FORMAT_CONFIG, "text");
        try {
            return LogFormat.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(LOG_FORMAT_CONFIG, "'" + raw + "' is not text or json");
        }
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
