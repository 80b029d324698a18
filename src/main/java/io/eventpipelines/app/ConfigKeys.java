package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdeConfig;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The key catalogue: which keys something reads (the app, Kafka Streams and its clients, the registry client), so
 * that a typo is a warning at start instead of a setting silently ignored; and which keys hold secrets, so that the
 * configuration can be logged with them hidden.
 */
final class ConfigKeys {
    private static final Set<String> APP_KEYS = Set.of(
            AppConfig.PIPELINES_CONFIG,
            AppConfig.THRESHOLD_CONFIG,
            AppConfig.SHUTDOWN_TIMEOUT_CONFIG,
            AppConfig.STATS_GRACE_CONFIG,
            AppConfig.ERROR_RATE_GRACE_CONFIG,
            AppConfig.HTTP_PORT_CONFIG,
            AppConfig.HTTP_HOST_CONFIG,
            AppConfig.METRICS_REFRESH_CONFIG,
            AppConfig.INSTANCE_ID_CONFIG,
            AppConfig.ROCKSDB_MEMORY_CONFIG,
            AppConfig.LOG_FORMAT_CONFIG,
            AppConfig.HEALTH_STALL_TIMEOUT_CONFIG,
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
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i).*(password|secret|sasl\\.jaas\\.config|user\\.info|token|credentials(?!\\.source)|keystore\\.key$).*");
    /** Every key Kafka itself types PASSWORD (and so prints as [hidden]), whatever its name says. */
    private static final Set<String> KAFKA_PASSWORD_KEYS = kafkaPasswordKeys();

    private ConfigKeys() {}

    /** A key of the app's own, which Kafka Streams never sees. */
    static boolean isAppKey(String key) {
        return APP_KEYS.contains(key);
    }

    /**
     * Keys that neither the app, Kafka Streams and its clients, nor the registry client read: most often a
     * typo, which would otherwise be ignored without a word.
     */
    static List<String> unknown(Collection<String> keys) {
        List<String> unknown = new ArrayList<>();
        for (String key : keys) {
            String kafkaKey = key;
            if (key.startsWith(AppConfig.PIPELINE_OVERRIDE_PREFIX)) {
                String rest = key.substring(AppConfig.PIPELINE_OVERRIDE_PREFIX.length());
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
    static String redacted(Map<String, String> values) {
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
}
