package io.eventpipelines.avro;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

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
        return serde(type);
    }

    /**
     * A value serde for records passed on unchanged: it reads like {@link #value} and keeps the bytes read, and
     * writes a value's original bytes under the output topic's schema id whenever their writer schema encodes
     * exactly like {@code type} (see {@link SpecificAvroSerializer#serialize(String, SpecificRecord, byte[])}).
     */
    public <T extends SpecificRecord> Serde<Decoded<T>> decoded(Class<T> type) {
        SpecificAvroSerde<T> serde = serde(type);
        SpecificAvroSerializer<T> serializer = serde.serializer();
        Deserializer<T> deserializer = serde.deserializer();
        return Serdes.serdeFrom(
                (topic, decoded) ->
                        decoded == null ? null : serializer.serialize(topic, decoded.value(), decoded.wire()),
                (topic, data) -> {
                    T value = deserializer.deserialize(topic, data);
                    return value == null ? null : new Decoded<>(value, data);
                });
    }

    public SchemaRegistryClient client() {
        return client;
    }

    /** Keys are plain strings throughout the project, so every serde made here is a value serde. */
    private <T extends SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type, client);
        serde.configure(config, false);
        return serde;
    }
}
