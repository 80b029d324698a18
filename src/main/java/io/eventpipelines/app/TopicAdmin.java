package io.eventpipelines.app;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The app's topics on a cluster: which exist, and creating the missing ones idempotently. */
final class TopicAdmin {
    static final String PARTITIONS_CONFIG = "topics.partitions";
    static final String REPLICATION_FACTOR_CONFIG = "topics.replication.factor";
    static final String AUTO_CREATE_CONFIG = "topics.auto.create";
    static final int DEFAULT_PARTITIONS = 3;
    private static final long TIMEOUT_SECONDS = 60;

    private TopicAdmin() {
    }

    /** An Admin client; a setting Kafka refuses when the client is built is a configuration error. */
    static Admin admin(AppConfig config) {
        try {
            return Admin.create(config.adminProperties());
        } catch (org.apache.kafka.common.KafkaException e) {
            if (e.getCause() instanceof org.apache.kafka.common.config.ConfigException invalid) {
                throw new InvalidConfigException(invalid.getMessage(), invalid);
            }
            throw e;
        }
    }

    /** Inputs, outputs and dead-letter topics of the pipelines, each once, in a stable order. */
    static Set<String> topicsOf(Collection<Pipeline> pipelines) {
        Set<String> topics = new TreeSet<>();
        for (Pipeline pipeline : pipelines) {
            topics.addAll(pipeline.inputTopics());
            topics.addAll(pipeline.outputTopics());
        }
        return topics;
    }

    static Set<String> inputTopicsOf(Collection<Pipeline> pipelines) {
        Set<String> topics = new TreeSet<>();
        pipelines.forEach(p -> topics.addAll(p.inputTopics()));
        return topics;
    }

    static Set<String> missing(Admin admin, Collection<String> topics) {
        Set<String> existing = call(admin.listTopics().names(), "list topics");
        Set<String> missing = new TreeSet<>(topics);
        missing.removeAll(existing);
        return missing;
    }

    /**
     * Creates each topic that does not exist yet; existing topics are left as they are.
     * @return topic name to true when created, false when it already existed
     */
    static Map<String, Boolean> create(Admin admin, Collection<String> topics, int partitions,
                                       Optional<Short> replicationFactor) {
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
                    throw new IllegalStateException("Cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
                }
                outcome.put(topic, false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating topic " + topic, e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("Timed out after " + TIMEOUT_SECONDS + " s creating topic " + topic, e);
            }
        });
        return outcome;
    }

    private static <T> T call(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new StartupCheckException("cannot " + what + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupCheckException("interrupted: " + what);
        } catch (TimeoutException e) {
            throw new StartupCheckException("no answer from the cluster within " + TIMEOUT_SECONDS + " s to " + what
                    + " (is bootstrap.servers right, and the cluster up?)");
        }
    }
}
