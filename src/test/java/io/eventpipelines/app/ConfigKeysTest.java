package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The key catalogue on its own: what counts as a key something reads, and what is hidden when logged. */
class ConfigKeysTest {
    private static Map<String, String> minimalWith(String... keyValues) {
        Map<String, String> values = new HashMap<>(Map.of("bootstrap.servers", "broker:9092"));
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return values;
    }

    @Test
    void secretsAreHiddenWhenLogged() {
        Map<String, String> config = new TreeMap<>(minimalWith(
                "basic.auth.user.info", "registry-user:registry-secret-1",
                "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\" password=\"jaas-secret-2\";",
                "ssl.truststore.password", "trust-secret-3",
                "ssl.key.password", "key-secret-4",
                "basic.auth.credentials.source", "USER_INFO"));
        String logged = ConfigKeys.redacted(config);
        for (String secret :
                List.of("registry-secret-1", "jaas-secret-2", "trust-secret-3", "key-secret-4", "registry-user")) {
            assertFalse(logged.contains(secret), secret);
        }
        assertTrue(logged.contains("basic.auth.credentials.source=USER_INFO"), logged);
        assertTrue(logged.contains("bootstrap.servers=broker:9092"), logged);
        assertTrue(logged.contains("sasl.jaas.config=[hidden]"), logged);
    }

    @Test
    void everySecretKafkaOrTheRegistryReadsIsHiddenWhenLogged() {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("ssl.keystore.password", "ks-secret-1");
        secrets.put("ssl.truststore.password", "ts-secret-2");
        secrets.put("ssl.keystore.key", "-----BEGIN PRIVATE KEY----- pem-secret-3");
        secrets.put("schema.registry.ssl.truststore.password", "sr-ts-secret-4");
        secrets.put("schema.registry.ssl.keystore.password", "sr-ks-secret-5");
        secrets.put("schema.registry.ssl.key.password", "sr-key-secret-6");
        secrets.put("schema.registry.basic.auth.user.info", "app:sr-user-secret-7");
        secrets.put(
                "consumer.sasl.jaas.config",
                "ScramLoginModule required username=\"c\" password=\"consumer-secret-8\";");
        secrets.put("pipeline.logs.producer.ssl.key.password", "per-pipeline-secret-9");
        secrets.put("sasl.oauthbearer.client.credentials.client.secret", "oauth-secret-10");
        String[] pairs = new String[secrets.size() * 2 + 4];
        int i = 0;
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            pairs[i++] = secret.getKey();
            pairs[i++] = secret.getValue();
        }
        pairs[i++] = "basic.auth.credentials.source";
        pairs[i++] = "USER_INFO";
        pairs[i++] = "schema.registry.url";
        pairs[i] = "https://url-user:url-secret-11@registry:8081";
        Map<String, String> values = new HashMap<>(minimalWith(pairs));
        String logged = ConfigKeys.redacted(new TreeMap<>(values));
        for (String secret : secrets.values()) {
            assertFalse(logged.contains(secret), secret + " in\n" + logged);
        }
        assertFalse(logged.contains("url-secret-11"), logged);
        assertTrue(logged.contains("schema.registry.url=https://[hidden]@registry:8081"), logged);
        // Kafka's own PASSWORD type decides too, not only the key's name.
        assertTrue(ConfigKeys.isSecret("ssl.keystore.key"));
        assertTrue(ConfigKeys.isSecret("main.consumer.sasl.jaas.config"));
        assertFalse(ConfigKeys.isSecret("ssl.keystore.location"));
        assertFalse(ConfigKeys.isSecret("sasl.mechanism"));
        assertFalse(ConfigKeys.isSecret("basic.auth.credentials.source"));
    }

    @Test
    void keysNothingReadsAreReportedAsLikelyTypos() {
        Map<String, String> config = new TreeMap<>(minimalWith(
                "num.stream.threads",
                "2",
                "consumer.max.poll.records",
                "10",
                "producer.linger.ms",
                "5",
                "topic.retention.ms",
                "1000",
                "pipeline.logs.num.stream.threads",
                "2",
                "basic.auth.user.info",
                "u:p",
                "ssl.truststore.location",
                "/x",
                "http.port",
                "0",
                "topics.partitions",
                "6",
                "num.stream.thread",
                "2",
                "pipeline.billing.num.stream.threads",
                "1",
                "consumer.max.pol.records",
                "1",
                "retention.ms",
                "5"));
        assertEquals(
                List.of(
                        "consumer.max.pol.records",
                        "num.stream.thread",
                        "pipeline.billing.num.stream.threads",
                        "retention.ms"),
                ConfigKeys.unknown(config.keySet()));
    }

    @Test
    void keysAreKnownAsKafkaSpellsThemBehindItsPrefixes() {
        for (String key : List.of(
                "num.stream.threads",
                "main.consumer.fetch.max.wait.ms",
                "producer.linger.ms",
                "topic.cleanup.policy",
                "schema.registry.url",
                "rocksdb.memory.bytes")) {
            assertTrue(ConfigKeys.isKnown(key), key);
        }
        for (String key : List.of("num.stream.thread", "producer.lingerms", "topic.nosuch", "consumer.")) {
            assertFalse(ConfigKeys.isKnown(key), key);
        }
    }
}
