package io.eventpipelines.app;

import io.eventpipelines.avro.Causes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ForwardingAdmin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** The app's topics on a cluster: which exist, and creating the missing ones idempotently. */
public final class TopicAdmin {
    static final String PARTITIONS_CONFIG = "topics.partitions";
    static final String REPLICATION_FACTOR_CONFIG = "topics.replication.factor";
    static final String AUTO_CREATE_CONFIG = "topics.auto.create";
    public static final int DEFAULT_PARTITIONS = 3;
    private static final long TIMEOUT_SECONDS = 60;

    private TopicAdmin() {}

    /**
     * An Admin client; a setting Kafka refuses when the client is built (a bad value, a key store that cannot
     * be read or opened with its password) is a configuration error.
     */
    public static Admin admin(AppConfig config) {
        Map<String, Object> properties = config.adminProperties();
        try {
            return new IdentifiedAdmin(properties, ClientIdentity.of(properties));
        } catch (KafkaException e) {
            if (e.getCause() instanceof ConfigException invalid) {
                throw new InvalidConfigException(invalid.getMessage(), invalid);
            }
            // e.g. "Failed to load SSL keystore /x of type PKCS12" with "keystore password was incorrect" below it:
            // Kafka's messages name files and keys, never a password.
            throw new InvalidConfigException(
                    "cannot create a Kafka client with these settings: "
                            + (e.getCause() == null ? e.getMessage() : Causes.messages(e.getCause())),
                    e);
        }
    }

    /** Who {@link #admin} connects as, for messages; {@link ClientIdentity} of its settings otherwise. */
    static ClientIdentity identity(Admin admin) {
        return admin instanceof IdentifiedAdmin identified ? identified.identity : ClientIdentity.of(Map.of());
    }

    /**
     * Which of {@code topics} exist, and what the app's principal may do with each (DescribeTopics with
     * includeAuthorizedOperations): the broker evaluates its ACLs for us, so the app needs no ACL-reading rights.
     */
    record Access(Set<String> missing, Set<String> notDescribable, Map<String, Set<AclOperation>> operations) {
        /** Operations on {@code topic}; empty when the broker did not say (then nothing can be checked). */
        Optional<Set<AclOperation>> operationsOn(String topic) {
            return Optional.ofNullable(operations.get(topic));
        }
    }

    static Access access(Admin admin, Collection<String> topics) {
        // listTopics first: it fails fast, with the same message as ever, when the cluster is unreachable or
        // refuses our credentials. It lists only topics the principal may DESCRIBE.
        call(admin, admin.listTopics().names(), "list topics");
        Set<String> missing = new TreeSet<>();
        Set<String> notDescribable = new TreeSet<>();
        Map<String, Set<AclOperation>> operations = new TreeMap<>();
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(
                        topics, new DescribeTopicsOptions().includeAuthorizedOperations(true))
                .topicNameValues();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : described.entrySet()) {
            try {
                TopicDescription description = topic.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (description.authorizedOperations() != null) {
                    operations.put(topic.getKey(), description.authorizedOperations());
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add(topic.getKey());
                } else if (e.getCause() instanceof TopicAuthorizationException) {
                    // Also what a broker answers for a topic that does not exist, to a principal that may not know.
                    notDescribable.add(topic.getKey());
                } else {
                    throw failure(admin, "describe topic " + topic.getKey(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupCheckException("interrupted: describe topics");
            } catch (TimeoutException e) {
                throw new StartupCheckException("no answer from the cluster within " + TIMEOUT_SECONDS
                        + " s to describe topics (is bootstrap.servers right, and the cluster up?)");
            }
        }
        return new Access(missing, notDescribable, operations);
    }

    /** Inputs, outputs and dead-letter topics of the pipelines, each once, in a stable order. */
    public static Set<String> topicsOf(Collection<Pipeline> pipelines) {
        Set<String> topics = new TreeSet<>();
        for (Pipeline pipeline : pipelines) {
            topics.addAll(pipeline.inputTopics());
            topics.addAll(pipeline.outputTopics());
        }
        return topics;
    }

    /**
     * Creates each topic that does not exist yet; existing topics are left as they are.
     * @return topic name to true when created, false when it already existed
     */
    public static Map<String, Boolean> create(
            Admin admin, Collection<String> topics, int partitions, Optional<Short> replicationFactor) {
        List<NewTopic> requested = new ArrayList<>();
        for (String topic : topics) {
            NewTopic newTopic = new NewTopic(topic, Optional.of(partitions), replicationFactor);
            if (Pipeline.isTableTopic(topic)) {
                newTopic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            requested.add(newTopic);
        }
        Map<String, Boolean> outcome = new LinkedHashMap<>();
        admin.createTopics(requested).values().forEach((topic, future) -> {
            try {
                future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                outcome.put(topic, true);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    // A refused identity is exit 4; anything else, an unreachable cluster included, exit 3.
                    throw failure(admin, "create topic " + topic, e.getCause());
                }
                outcome.put(topic, false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupCheckException("interrupted while creating topic " + topic);
            } catch (TimeoutException e) {
                throw new StartupCheckException(noAnswer("create topic " + topic));
            }
        });
        return outcome;
    }

    /**
     * The one-line error for a failed Admin call: a refused identity or a missing ACL is exit 4 and names
     * the cluster and principal; anything else is the cluster not being ready (exit 3).
     */
    static RuntimeException failure(Admin admin, String what, Throwable cause) {
        ClientIdentity identity = identity(admin);
        if (cause instanceof AuthenticationException) {
            // SaslAuthenticationException, SslAuthenticationException, ...: Kafka does not retry these, and
            // neither do we. Their messages name the mechanism, never the password.
            return new NotAuthorizedException(
                    "authentication failed: the cluster at " + identity.bootstrapServers()
                            + " refused the credentials (" + identity.describe() + ") to " + what + ": "
                            + Causes.messages(cause),
                    cause);
        }
        if (cause instanceof AuthorizationException) {
            return new NotAuthorizedException(
                    "not authorized: " + identity.principal() + " (" + identity.describe() + ") may not " + what + ": "
                            + cause.getMessage(),
                    cause);
        }
        return new StartupCheckException("cannot " + what + ": " + cause.getMessage(), cause);
    }

    static <T> T call(Admin admin, KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw failure(admin, what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupCheckException("interrupted: " + what);
        } catch (TimeoutException e) {
            throw new StartupCheckException(noAnswer(what));
        }
    }

    private static String noAnswer(String what) {
        return "no answer from the cluster within " + TIMEOUT_SECONDS + " s to " + what
                + " (is bootstrap.servers right, and the cluster up?)";
    }

    /** An Admin that remembers who it connects as, so that errors can say so. */
    private static final class IdentifiedAdmin extends ForwardingAdmin {
        private final ClientIdentity identity;

        IdentifiedAdmin(Map<String, Object> properties, ClientIdentity identity) {
            super(properties);
            this.identity = identity;
        }
    }
}
