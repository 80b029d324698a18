package io.eventpipelines.avro;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format Avro (magic byte 0, 4-byte schema id, Avro binary) into instances
 * of a generated specific record class.
 *
 * <p>The writer schema is fetched from the registry by id and resolved against the class's
 * schema, so records written with an older or newer schema are read wherever Avro's schema
 * resolution allows it: missing fields take their defaults, unknown fields are skipped, and an
 * enum symbol the class does not know becomes the enum's default.
 *
 * <p>Thread-safe: Kafka Streams shares one instance between stream threads.
 *
 * <h2>The hot path</h2>
 *
 * {@code readersById} holds one resolving datum reader per writer schema id, built once (its schema fetched from the
 * registry outside any lock); {@code lastReader} remembers the last one, since a topic usually carries one writer
 * schema, which spares boxing the id and a map lookup per record. The serde benchmark
 * ({@code bench/SerdeBenchmark}, {@code docs/benchmarks.md#serde}) justifies both.
 *
 * <p>A record that cannot be read (bad framing, unknown schema id, corrupt Avro) raises a
 * {@link SerializationException}. A registry that cannot be reached raises a
 * {@link SerializationException} caused by {@link SchemaRegistryUnavailableException}, which
 * says nothing about the record itself.
 */
public class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Class<T> type;
    private final Schema readerSchema;
    private final SpecificData specificData;
    private final SchemaRegistryClient injectedClient;
    private volatile SchemaRegistryClient client;
    private final ConcurrentHashMap<Integer, Reader<T>> readersById = new ConcurrentHashMap<>();
    // Topics usually carry one writer schema; remembering the last reader spares boxing the id
    // and a map lookup per record.
    private volatile Reader<T> lastReader;

    private record Reader<T>(int schemaId, DatumReader<T> datumReader) {}

    /** Gets its registry client from {@link #configure}, which must be called before use. */
    public SpecificAvroDeserializer(Class<T> type) {
        this(type, null, false);
    }

    /** Uses {@code client}; usable at once, and {@link #configure} does not replace the client. */
    public SpecificAvroDeserializer(Class<T> type, SchemaRegistryClient client) {
        this(type, Objects.requireNonNull(client, "client"), true);
    }

    private SpecificAvroDeserializer(Class<T> type, SchemaRegistryClient client, boolean injected) {
        this.type = Objects.requireNonNull(type, "type");
        // The generated class's own model carries the logical-type conversions its fields need
        // (e.g. timestamp-millis as java.time.Instant); the shared SpecificData.get() may not.
        this.specificData = SpecificData.getForClass(type);
        this.readerSchema = specificData.getSchema(type);
        this.injectedClient = injected ? client : null;
        this.client = client;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (injectedClient != null) {
            AvroSerdeConfig.parseWithoutRequiredUrl(configs);
            return;
        }
        configureWith(SchemaRegistryClients.create(new AvroSerdeConfig(configs)));
    }

    /** Lets {@link SpecificAvroSerde} share one client between its serializer and deserializer. */
    void configureWith(SchemaRegistryClient sharedClient) {
        if (sharedClient != client) {
            readersById.clear();
            lastReader = null;
            client = sharedClient;
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null || data.length == 0) {
            return null;
        }
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "Unknown magic byte 0x%02x at topic '%s': not Confluent wire-format Avro", data[0] & 0xff, topic));
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new SerializationException("Record of " + data.length + " bytes at topic '" + topic
                    + "' is too short for Confluent wire-format Avro (at least " + WireFormat.HEADER_SIZE + " bytes)");
        }
        int schemaId = WireFormat.schemaId(data);
        Reader<T> reader = lastReader;
        if (reader == null || reader.schemaId() != schemaId) {
            reader = readerFor(schemaId, topic);
        }
        try {
            BinaryDecoder decoder = DecoderFactory.get()
                    .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
            T value = reader.datumReader().read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException(
                        "Error deserializing Avro record with schema id " + schemaId + " at topic '" + topic + "' as "
                                + type.getName() + ": unexpected bytes after the end of the record");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException(
                    "Error deserializing Avro record with schema id " + schemaId + " at topic '" + topic + "' as "
                            + type.getName() + ": " + e,
                    e);
        }
    }

    private Reader<T> readerFor(int schemaId, String topic) {
        Reader<T> reader = readersById.get(schemaId);
        if (reader == null) {
            SchemaRegistryClient current = client;
            if (current == null) {
                throw new IllegalStateException("SpecificAvroDeserializer used before configure()");
            }
            Schema writerSchema;
            try {
                writerSchema = current.getSchemaById(schemaId);
            } catch (SchemaRegistryUnavailableException e) {
                throw new SerializationException(
                        "Cannot deserialize record with schema id " + schemaId + " at topic '" + topic + "': "
                                + e.getMessage(),
                        e);
            } catch (SchemaRegistryException e) {
                String what = e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND
                        ? "Unknown schema id " + schemaId
                        : "Cannot fetch schema id " + schemaId;
                throw new SerializationException(what + " in record at topic '" + topic + "': " + e.getMessage(), e);
            }
            reader = new Reader<>(schemaId, new SpecificDatumReader<>(writerSchema, readerSchema, specificData));
            Reader<T> raced = readersById.putIfAbsent(schemaId, reader);
            if (raced != null) {
                reader = raced;
            }
        }
        lastReader = reader;
        return reader;
    }
}
