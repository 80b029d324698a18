package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdeConfig;
import io.eventpipelines.avro.SchemaRegistryClient;

import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * Checks made before any pipeline starts, so that a missing topic or schema is one clear error at start
 * instead of a silent hang or a failure on the first record.
 */
final class Preflight {
    private static final Logger log = LoggerFactory.getLogger(Preflight.class);

    private Preflight() {
    }

    /** Every topic the selected pipelines read or write must exist, unless {@code topics.auto.create=true} creates them. */
    static void topics(AppConfig config, Admin admin) {
        Set<String> missing = TopicAdmin.missing(admin, TopicAdmin.topicsOf(config.pipelines()));
        if (missing.isEmpty()) {
            return;
        }
        if (config.autoCreateTopics()) {
            log.info("Creating missing topics {} ({} partitions)", missing, config.topicPartitions());
            TopicAdmin.create(admin, missing, config.topicPartitions(), config.topicReplicationFactor());
            return;
        }
        throw new StartupCheckException("missing topics: " + String.join(", ", missing)
                + " (create them with 'topics create <properties file>', or set " + TopicAdmin.AUTO_CREATE_CONFIG + "=true)");
    }

    /** With {@code auto.register.schemas=false} every subject the pipelines use must already hold the app's schema. */
    static void schemas(AppConfig config, SchemaRegistryClient client) {
        if (new AvroSerdeConfig(config.serdeConfig()).autoRegisterSchemas()) {
            return;
        }
        List<String> missing = SchemaAdmin.unregistered(client,
                SchemaAdmin.subjectsOf(config.pipelines(), config.applicationIdPrefix()));
        if (!missing.isEmpty()) {
            throw new StartupCheckException("schemas not registered (" + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS
                    + "=false): " + String.join(", ", missing) + " (register them with 'schemas register <properties file>')");
        }
    }
}
