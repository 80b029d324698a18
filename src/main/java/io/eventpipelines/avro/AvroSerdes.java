package io.eventpipelines.avro;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Makes configured Avro serdes for topology builders. Every serde made by one instance uses the
 * same registry client, so a schema is fetched or registered once per application rather than
 * once per serde.
 */
public final class AvroSerdes {

    private final Map<String, Object> config;
    private final SchemaRegistryClient client;

    /**
     * @param config serde settings ({@link AvroSerdeConfig}); may be the whole application config
     * @throws org.apache.kafka.common.config.ConfigException if the settings are invalid
     */
    public AvroSerdes(Map<String, ?> config) {
        this.config = Collections.unmodifiableMap(new HashMap<>(config));
        this.client = SchemaRegistryClients.forConfig(this.config);
    }

    /** Uses {@code client} instead of the one {@code config} describes, e.g. in tests. */
    public AvroSerdes(Map<String, ?> config, SchemaRegistryClient client) {
        this.config = Collections.unmodifiableMap(new HashMap<>(config));
        this.client = Objects.requireNonNull(client, "client");
        AvroSerdeConfig.parseWithoutRequiredUrl(this.config);
    }

    /** A serde for record values ({@code <topic>-value} subjects). */
    public <T extends SpecificRecord> Serde<T> value(Class<T> type) {
        return serde(type, false);
    }

    /** A serde for record keys ({@code <topic>-key} subjects). */
    public <T extends SpecificRecord> Serde<T> key(Class<T> type) {
        return serde(type, true);
    }

    public SchemaRegistryClient client() {
        return client;
    }

    private <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type, client);
        serde.configure(config, isKey);
        return serde;
    }
}
