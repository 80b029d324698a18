package io.eventpipelines.avro;

import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;

/**
 * {@link SpecificAvroSerializer} and {@link SpecificAvroDeserializer} for one record class,
 * sharing one registry client (and so its caches).
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final SchemaRegistryClient injectedClient;
    private final SpecificAvroSerializer<T> serializer;
    private final SpecificAvroDeserializer<T> deserializer;

    /** Gets its registry client from {@link #configure}, which must be called before use. */
    public SpecificAvroSerde(Class<T> type) {
        this.injectedClient = null;
        this.serializer = new SpecificAvroSerializer<>();
        this.deserializer = new SpecificAvroDeserializer<>(type);
    }

    /** Uses {@code client}; usable at once with Confluent's defaults. */
    public SpecificAvroSerde(Class<T> type, SchemaRegistryClient client) {
        this.injectedClient = Objects.requireNonNull(client, "client");
        this.serializer = new SpecificAvroSerializer<>(client);
        this.deserializer = new SpecificAvroDeserializer<>(type, client);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = injectedClient != null
                ? AvroSerdeConfig.parseWithoutRequiredUrl(configs)
                : new AvroSerdeConfig(configs);
        SchemaRegistryClient client = injectedClient != null ? injectedClient : SchemaRegistryClients.create(config);
        serializer.configureWith(client, config, isKey);
        deserializer.configureWith(client);
    }

    @Override
    public SpecificAvroSerializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
