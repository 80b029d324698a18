package io.eventpipelines.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft cluster in the test JVM that, like a production cluster, lets nobody in unnamed:
 * <ul>
 *   <li>{@code SECURE}: SASL_SSL with SCRAM-SHA-512, the clients' listener and the inter-broker one;</li>
 *   <li>{@code MTLS}: SSL with {@code ssl.client.auth=required}, the principal being the client certificate's
 *       CN ({@code ssl.principal.mapping.rules});</li>
 *   <li>{@code CONTROLLER}: SASL_PLAINTEXT with PLAIN (SCRAM cannot serve the controller: its credentials live in
 *       the metadata the controller serves), the node talking to itself as the super user.</li>
 * </ul>
 * {@code StandardAuthorizer} with no access unless an ACL grants it; {@value #ADMIN} is the only super user
 * (PLAIN, see below), so that the test's admin can create the SCRAM users and their ACLs. The server
 * certificate comes from the test's CA.
 */
public final class SecureKafka implements AutoCloseable {
    public static final String ADMIN = "admin";
    private static final String SECURE = "SECURE";
    private static final String MTLS = "MTLS";
    private static final String CONTROLLER = "CONTROLLER";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final KafkaClusterTestKit cluster;
    private final String adminPassword;
    private final TestCertificates.Store truststore;

    public SecureKafka(TestCertificates certificates, String adminPassword) throws Exception {
        this.adminPassword = adminPassword;
        this.truststore = certificates.truststore();
        TestCertificates.Store server = certificates.server("broker");
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBrokerListenerName(new ListenerName(SECURE))
                // The 4.3 kit accepts only PLAINTEXT or SASL_PLAINTEXT here (and with the latter installs a JVM-wide
                // JAAS file of its own): the listener's real protocol comes from listener.security.protocol.map below,
                // which the kit does not override.
                .setBrokerSecurityProtocol(SecurityProtocol.PLAINTEXT)
                .setControllerListenerName(new ListenerName(CONTROLLER))
                .setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .setBaseDirectory(
                        Path.of("target", "kafka-secure-" + UUID.randomUUID()).toAbsolutePath())
                .build();
        Map<String, String> config = new HashMap<>();
        // The test kit binds SECURE and CONTROLLER itself; MTLS binds a free port of its own.
        config.put("listeners", SECURE + "://localhost:0," + CONTROLLER + "://localhost:0," + MTLS + "://localhost:0");
        config.put(
                "listener.security.protocol.map",
                SECURE + ":SASL_SSL," + CONTROLLER + ":SASL_PLAINTEXT," + MTLS + ":SSL");
        config.put("inter.broker.listener.name", SECURE);
        // Clients log in with SCRAM-SHA-512. The super user (the test's admin, and the broker talking to itself)
        // logs in with PLAIN, its password in the broker's configuration: SCRAM credentials live in the cluster's
        // metadata, and one written at format time (--add-scram, through the 4.3 Formatter) was refused here.
        config.put("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
        config.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        config.put("listener.name.secure.plain.sasl.jaas.config", plainServerJaas(adminPassword));
        // The server side of SCRAM reads the credentials from the metadata: its login module needs no options.
        config.put(
                "listener.name.secure.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        config.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        config.put("sasl.mechanism.controller.protocol", "PLAIN");
        config.put("listener.name.controller.plain.sasl.jaas.config", plainServerJaas(adminPassword));
        config.put("ssl.keystore.location", server.path().toString());
        config.put("ssl.keystore.password", server.password());
        config.put("ssl.key.password", server.password());
        config.put("ssl.keystore.type", server.type());
        config.put("ssl.truststore.location", truststore.path().toString());
        config.put("ssl.truststore.password", truststore.password());
        config.put("ssl.truststore.type", truststore.type());
        config.put("listener.name.mtls.ssl.client.auth", "required");
        config.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT");
        config.put("authorizer.class.name", StandardAuthorizer.class.getName());
        config.put(StandardAuthorizer.ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG, "false");
        config.put(StandardAuthorizer.SUPER_USERS_CONFIG, "User:" + ADMIN);
        config.putAll(EmbeddedKafka.singleNodeConfig());

        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
        config.forEach(builder::setConfigProp);
        cluster = EmbeddedKafka.start(builder);
    }

    private static String plainServerJaas(String adminPassword) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + ADMIN + "\" password=\""
                + adminPassword + "\" user_" + ADMIN + "=\"" + adminPassword + "\";";
    }

    public static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** The SASL_SSL listener. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** The SSL listener that requires a client certificate. */
    public String mtlsBootstrapServers() {
        return "localhost:" + broker().boundPort(new ListenerName(MTLS));
    }

    public TestCertificates.Store truststore() {
        return truststore;
    }

    /** Client settings for {@code user} over SASL_SSL, as Kafka spells them. */
    public Map<String, Object> saslClient(String user, String password) {
        Map<String, Object> props = new HashMap<>(trust());
        props.put("bootstrap.servers", bootstrapServers());
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("sasl.jaas.config", scramJaas(user, password));
        return props;
    }

    /** Client settings for the holder of {@code keystore} over mutual TLS. */
    public Map<String, Object> mtlsClient(TestCertificates.Store keystore) {
        Map<String, Object> props = new HashMap<>(trust());
        props.put("bootstrap.servers", mtlsBootstrapServers());
        props.put("security.protocol", "SSL");
        props.put("ssl.keystore.location", keystore.path().toString());
        props.put("ssl.keystore.password", keystore.password());
        props.put("ssl.key.password", keystore.password());
        props.put("ssl.keystore.type", keystore.type());
        return props;
    }

    private Map<String, Object> trust() {
        return Map.of(
                "ssl.truststore.location",
                truststore.path().toString(),
                "ssl.truststore.password",
                truststore.password(),
                "ssl.truststore.type",
                truststore.type());
    }

    /** Client settings for the super user (PLAIN over SASL_SSL). */
    public Map<String, Object> superUserClient() {
        Map<String, Object> props = new HashMap<>(saslClient(ADMIN, adminPassword));
        props.put("sasl.mechanism", "PLAIN");
        props.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + ADMIN
                        + "\" password=\"" + adminPassword + "\";");
        return props;
    }

    /** An Admin for the super user. */
    public Admin admin() {
        return Admin.create(superUserClient());
    }

    /** A SCRAM-SHA-512 user, usable once this returns. */
    public void createUser(String user, String password) throws Exception {
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        // The controller has it; the broker's credential cache follows its metadata a moment later.
        Map<String, Object> props = new HashMap<>(saslClient(user, password));
        props.put("default.api.timeout.ms", "5000");
        props.put("request.timeout.ms", "4000");
        try (Admin asUser = Admin.create(props)) {
            Poll.until(TIMEOUT, "user " + user + " able to log in", () -> {
                try {
                    asUser.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
                    return true;
                } catch (Exception notYet) {
                    return false;
                }
            });
        }
    }

    /** Allows {@code principal} (e.g. {@code User:app}) the operations on a resource; waits until the broker applies it. */
    public void allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation... operations)
            throws Exception {
        List<AclBinding> bindings = new ArrayList<>();
        for (AclOperation operation : operations) {
            bindings.add(new AclBinding(
                    new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
        try (Admin admin = admin()) {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
            Poll.until(
                    TIMEOUT,
                    "ACLs " + bindings,
                    () -> describe(admin, principal).containsAll(bindings));
        }
    }

    /** Removes what {@link #allow} granted; waits until the broker applies it. */
    public void revoke(String principal, ResourceType type, String name, PatternType pattern, AclOperation operation)
            throws Exception {
        AclBindingFilter filter = new AclBindingFilter(
                new ResourcePatternFilter(type, name, pattern),
                new AccessControlEntryFilter(principal, null, operation, AclPermissionType.ALLOW));
        try (Admin admin = admin()) {
            admin.deleteAcls(List.of(filter)).all().get(30, TimeUnit.SECONDS);
            Poll.until(
                    TIMEOUT,
                    "ACL removed " + filter,
                    () -> describe(admin, principal).stream().noneMatch(filter::matches));
        }
    }

    private static Collection<AclBinding> describe(Admin admin, String principal) {
        try {
            return admin.describeAcls(new AclBindingFilter(
                            ResourcePatternFilter.ANY,
                            new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY)))
                    .values()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return List.of();
        }
    }

    public void createTopics(int partitions, Collection<String> topics) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(topics.stream()
                            .map(t -> new NewTopic(t, partitions, (short) 1))
                            .toList())
                    .all()
                    .get(60, TimeUnit.SECONDS);
            Poll.until(TIMEOUT, "leaders for " + topics, () -> {
                try {
                    return admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                            .allMatch(t -> t.partitions().stream()
                                    .allMatch(p ->
                                            p.leader() != null && !p.leader().isEmpty()));
                } catch (Exception notYet) {
                    return false;
                }
            });
        }
    }

    private BrokerServer broker() {
        return cluster.brokers().values().iterator().next();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
