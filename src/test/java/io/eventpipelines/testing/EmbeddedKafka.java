package io.eventpipelines.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft cluster (combined broker and controller) in the test JVM, at the production
 * metadata version, with the replication settings one node needs. Its data lives under {@code target/}
 * and {@link #close()} deletes it.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    public EmbeddedKafka() throws Exception {
        this(Map.of());
    }

    public EmbeddedKafka(Map<String, String> brokerConfig) throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(
                        Path.of("target", "kafka-" + UUID.randomUUID()).toAbsolutePath())
                .build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
        singleNodeConfig().forEach(builder::setConfigProp);
        brokerConfig.forEach(builder::setConfigProp);
        cluster = start(builder);
    }

    /** Builds, formats and starts a test-kit cluster, closing it again if it does not come up. */
    static KafkaClusterTestKit start(KafkaClusterTestKit.Builder builder) throws Exception {
        KafkaClusterTestKit cluster = builder.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    /** What one node needs instead of a production cluster's replication, shared with {@link SecureKafka}. */
    static Map<String, String> singleNodeConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", "3");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", "3");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("auto.create.topics.enable", "false");
        // The log cleaner's dedupe buffer is on the heap (Kafka: 128 MiB per broker); tests' changelogs are small.
        config.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        // The test kit enables these; production brokers do not.
        config.put("unstable.api.versions.enable", "false");
        config.put("unstable.feature.versions.enable", "false");
        // A restarted broker re-registers only once its old session expired: keep restarts short.
        config.put("broker.session.timeout.ms", "3000");
        config.put("broker.heartbeat.interval.ms", "500");
        return config;
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    public void createTopics(int partitions, Collection<String> topics) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(topics.stream()
                            .map(t -> new NewTopic(t, partitions, (short) 1))
                            .toList())
                    .all()
                    .get(60, TimeUnit.SECONDS);
            // Creation is acknowledged by the controller; the broker's metadata may lag behind it briefly.
            Poll.until(
                    Duration.ofSeconds(30),
                    "topics visible " + topics,
                    () -> listTopics(admin).containsAll(topics));
            // A producer that starts before every partition has a leader can get stuck until its delivery
            // timeout (an idempotent batch fails, a later one succeeds): wait for the leaders too.
            Poll.until(Duration.ofSeconds(30), "leaders for " + topics, () -> allLed(admin, topics));
        }
    }

    private static boolean allLed(Admin admin, Collection<String> topics) {
        try {
            return admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                    .allMatch(topic -> topic.partitions().stream()
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        } catch (Exception e) {
            return false;
        }
    }

    private static Set<String> listTopics(Admin admin) {
        try {
            return admin.listTopics().names().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return Set.of();
        }
    }

    private BrokerServer broker() {
        return cluster.brokers().values().iterator().next();
    }

    /** Stops the broker (the controller keeps running); clients see it as gone. */
    public void stopBroker() {
        broker().shutdown();
        broker().awaitShutdown();
    }

    /** Starts the broker again on the same port, with its data. */
    public void startBroker() throws Exception {
        broker().startup();
        cluster.waitForReadyBrokers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
