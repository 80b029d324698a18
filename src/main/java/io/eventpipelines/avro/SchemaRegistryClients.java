package io.eventpipelines.avro;

import java.util.Map;

/** Chooses the {@link SchemaRegistryClient} a configuration asks for. */
public final class SchemaRegistryClients {

    private SchemaRegistryClients() {}

    /** The {@link MockSchemaRegistry} scope for {@code mock://scope}, else a {@link RestSchemaRegistryClient}. */
    public static SchemaRegistryClient create(AvroSerdeConfig config) {
        return config.mockScope()
                .map(MockSchemaRegistry::getClientForScope)
                .orElseGet(() -> new RestSchemaRegistryClient(config));
    }

    /**
     * Same as {@code create(new AvroSerdeConfig(configs))}.
     *
     * @throws org.apache.kafka.common.config.ConfigException if the configuration is invalid
     */
    public static SchemaRegistryClient forConfig(Map<String, ?> configs) {
        return create(new AvroSerdeConfig(configs));
    }
}
