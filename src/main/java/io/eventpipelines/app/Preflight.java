package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdeConfig;
import io.eventpipelines.avro.SchemaRegistryClient;
import io.eventpipelines.avro.SchemaRegistryException;
import io.eventpipelines.avro.SchemaRegistryMisconfiguredException;
import io.eventpipelines.avro.SchemaRegistryUnavailableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks made before any pipeline starts, so that a missing topic or schema is one clear error at start
 * instead of a silent hang or a failure on the first record.
 */
final class Preflight {
    private static final Logger log = LoggerFactory.getLogger(Preflight.class);

    private Preflight() {}

    /**
     * Every topic the selected pipelines read or write must exist, unless {@code topics.auto.create=true}
     * creates them, and the app's principal must be allowed to use each as the pipelines do: DESCRIBE and
     * READ on inputs, DESCRIBE and WRITE on outputs and dead-letter topics. A missing ACL would otherwise
     * surface only once a stream thread dies, or as a producer retrying until its delivery timeout.
     */
    static void topics(AppConfig config, Admin admin) {
        Set<String> topics = TopicAdmin.topicsOf(config.pipelines());
        TopicAdmin.Access access = TopicAdmin.access(admin, topics);
        if (!access.missing().isEmpty()) {
            if (!config.autoCreateTopics()) {
                throw new StartupCheckException("missing topics: " + String.join(", ", access.missing())
                        + " (create them with 'topics create <properties file>', or set "
                        + TopicAdmin.AUTO_CREATE_CONFIG + "=true)");
            }
            log.info("Creating missing topics {} ({} partitions)", access.missing(), config.topicPartitions());
            TopicAdmin.create(admin, access.missing(), config.topicPartitions(), config.topicReplicationFactor());
            access = TopicAdmin.access(admin, topics);
        }
        Map<String, Set<AclOperation>> lacking = lackingOperations(config.pipelines(), access);
        if (!lacking.isEmpty()) {
            ClientIdentity identity = TopicAdmin.identity(admin);
            List<String> parts = new ArrayList<>();
            lacking.forEach((topic, operations) -> parts.add(
                    topic + " (" + operations.stream().map(Enum::name).collect(Collectors.joining(", ")) + ")"));
            throw new NotAuthorizedException(
                    "not authorized: " + identity.principal() + " lacks topic ACLs on " + String.join(", ", parts)
                            + " at " + identity.bootstrapServers() + " (" + identity.describe() + ")");
        }
    }

    /** Topic to the operations the pipelines need on it and may not do, in a stable order; empty when all is allowed. */
    static Map<String, Set<AclOperation>> lackingOperations(Collection<Pipeline> pipelines, TopicAdmin.Access access) {
        Map<String, Set<AclOperation>> needed = new TreeMap<>();
        for (Pipeline pipeline : pipelines) {
            pipeline.inputTopics()
                    .forEach(topic -> needed.computeIfAbsent(topic, t -> EnumSet.of(AclOperation.DESCRIBE))
                            .add(AclOperation.READ));
            pipeline.outputTopics()
                    .forEach(topic -> needed.computeIfAbsent(topic, t -> EnumSet.of(AclOperation.DESCRIBE))
                            .add(AclOperation.WRITE));
        }
        Map<String, Set<AclOperation>> lacking = new TreeMap<>();
        needed.forEach((topic, operations) -> {
            if (access.notDescribable().contains(topic)) {
                lacking.put(topic, operations);
                return;
            }
            access.operationsOn(topic).ifPresent(allowed -> {
                Set<AclOperation> missing = EnumSet.copyOf(operations);
                missing.removeAll(allowed);
                if (!missing.isEmpty()) {
                    lacking.put(topic, missing);
                }
            });
        });
        return lacking;
    }

    /**
     * Looks up every subject the pipelines use. With {@code auto.register.schemas=false} each must already hold the
     * app's schema, and a registry that cannot be reached or refuses a lookup fails the start with one line. When
     * schemas are registered on the fly, only credentials the registry rejects outright (401, TLS) fail it, instead
     * of the first record.
     */
    static void schemas(AppConfig config, SchemaRegistryClient client) {
        boolean autoRegister = new AvroSerdeConfig(config.serdeConfig()).autoRegisterSchemas();
        // Something that is not a Confluent-compatible API at schema.registry.url (a wrong path, a proxy's page)
        // would otherwise let the app start and fail every record. A registry that refuses the listing with its
        // own error body (403 under RBAC) is a registry.
        try {
            client.subjects();
        } catch (SchemaRegistryMisconfiguredException e) {
            throw new StartupCheckException(e.getMessage());
        } catch (SchemaRegistryUnavailableException e) {
            if (!autoRegister) {
                throw new StartupCheckException("Schema Registry unreachable, so the schemas cannot be checked ("
                        + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS + "=false): " + e.getMessage());
            }
            log.warn("Schema Registry unreachable at start; the pipelines start and retry: {}", e.getMessage());
            return;
        } catch (SchemaRegistryException e) {
            if (e.isNotAuthenticated()) {
                throw e;
            }
        }
        Map<String, Schema> subjects = SchemaAdmin.subjectsOf(config.pipelines(), config.applicationIdPrefix());
        if (autoRegister) {
            checkCredentials(client, subjects);
            return;
        }
        List<String> missing;
        try {
            missing = SchemaAdmin.unregistered(client, subjects);
        } catch (SchemaRegistryMisconfiguredException e) {
            throw new StartupCheckException(e.getMessage());
        } catch (SchemaRegistryUnavailableException e) {
            throw new StartupCheckException("Schema Registry unreachable, so the schemas cannot be checked ("
                    + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS + "=false): " + e.getMessage());
        }
        if (!missing.isEmpty()) {
            throw new StartupCheckException("schemas not registered (" + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS
                    + "=false): " + String.join(", ", missing)
                    + " (register them with 'schemas register <properties file>')");
        }
    }

    /**
     * Registering on the fly needs the right to register, not to look up: only credentials the registry rejects
     * outright stop the start. An unreachable registry does not: a stream thread that meets the outage is replaced
     * until the registry is back, as at any other time.
     */
    private static void checkCredentials(SchemaRegistryClient client, Map<String, Schema> subjects) {
        try {
            SchemaAdmin.unregistered(client, subjects);
        } catch (SchemaRegistryMisconfiguredException e) {
            throw new StartupCheckException(e.getMessage());
        } catch (SchemaRegistryUnavailableException e) {
            log.warn("Schema Registry unreachable at start; the pipelines start and retry: {}", e.getMessage());
        } catch (SchemaRegistryException e) {
            if (e.isNotAuthenticated()) {
                throw e;
            }
        }
    }
}
