package io.eventpipelines.avro;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro specific records in Confluent's wire format (magic byte 0, 4-byte schema id, Avro
 * binary), with the subject named after the topic: {@code <topic>-value} or {@code <topic>-key}.
 *
 * <p>Which schema id is written follows Confluent's serializer: with
 * {@value AvroSerdeConfig#AUTO_REGISTER_SCHEMAS} (the default) the record's schema is registered;
 * otherwise, with {@value AvroSerdeConfig#USE_LATEST_VERSION}, the subject's latest schema is used
 * (records are converted to it when it can read them); otherwise the record's schema must already
 * be registered under the subject.
 *
 * <p>Thread-safe. After the first record of a schema on a topic, serializing is a cache lookup
 * plus Avro encoding.
 *
 * <h2>The hot path, and why it looks like this</h2>
 *
 * Every record a pipeline writes passes here, so the warm path is kept to what Confluent's wire format needs:
 * <ul>
 *   <li>{@code targets} maps (topic, schema) to a {@code WriteTarget}: the subject, the schema id the registry gave,
 *       the 5-byte header (magic byte and id) already laid out, and the datum writer. It is filled once per
 *       pair, outside {@code computeIfAbsent} because filling it may call the registry.
 *   <li>{@code lastTarget} remembers the last target used: most producers write one schema to one topic, so an
 *       identity check on the schema and an equals on the topic replace building a key and a map lookup.
 *   <li>{@link EncodeBuffer} is one growable buffer and Avro encoder per thread, reused: the header and the
 *       datum reach one array in one pass, copied out once.
 *   <li>{@link #serialize(String, SpecificRecord, byte[])} takes the bytes a value was read from ({@link Decoded}):
 *       when their writer schema encodes exactly like the record's class, they are reused with only the schema id
 *       replaced, and nothing is encoded at all (the log routing pipeline's case).
 * </ul>
 * The serde benchmark ({@code src/test/java/io/eventpipelines/bench/SerdeBenchmark.java}, results in
 * {@code docs/benchmarks.md#serde}) measures the round trip against plain Avro: 0.81×. Change this path only with a
 * benchmark run before and after.
 *
 * <p>Failures are {@link SerializationException}s naming the topic and subject. When the registry
 * could not be reached, the {@link SchemaRegistryUnavailableException} is kept as the cause so
 * that handlers can tell the outage from a bad record.
 */
public class SpecificAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final SchemaRegistryClient injectedClient;
    private volatile Settings settings;
    private final ConcurrentHashMap<TargetKey, WriteTarget> targets = new ConcurrentHashMap<>();
    // Most producers write one schema to one topic, so one remembered target spares the map lookup.
    private volatile WriteTarget lastTarget;

    private record Settings(
            SchemaRegistryClient client, boolean autoRegister, boolean useLatestVersion, boolean isKey) {}

    /** For Kafka's config-driven instantiation; {@link #configure} must be called before use. */
    public SpecificAvroSerializer() {
        this.injectedClient = null;
    }

    /**
     * Uses {@code client}, ignoring {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL_CONFIG}. Usable at
     * once with Confluent's defaults (auto-register, value subject); {@link #configure} may change
     * those.
     */
    public SpecificAvroSerializer(SchemaRegistryClient client) {
        this.injectedClient = Objects.requireNonNull(client, "client");
        this.settings = new Settings(
                client,
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_DEFAULT,
                AvroSerdeConfig.USE_LATEST_VERSION_DEFAULT,
                false);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = injectedClient != null
                ? AvroSerdeConfig.parseWithoutRequiredUrl(configs)
                : new AvroSerdeConfig(configs);
        configureWith(injectedClient != null ? injectedClient : SchemaRegistryClients.create(config), config, isKey);
    }

    /** Lets {@link SpecificAvroSerde} share one client between its serializer and deserializer. */
    void configureWith(SchemaRegistryClient client, AvroSerdeConfig config, boolean isKey) {
        targets.clear();
        lastTarget = null;
        settings = new Settings(client, config.autoRegisterSchemas(), config.useLatestVersion(), isKey);
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        return encode(topic, record, targetFor(topic, record));
    }

    /**
     * Serializes {@code record}, which was read unchanged from {@code wire} (Confluent wire format). When the
     * writer schema of {@code wire} has the same Parsing Canonical Form as the record's own schema, and no
     * conversion to a subject's latest schema applies, the Avro body of {@code wire} is kept byte for byte and
     * only the header gets this topic's schema id: it decodes, with the record's schema, to the record read.
     * (Byte for byte includes what Avro's Java decoder tolerates and an encoder would not write, such as invalid
     * UTF-8 in a string.) Otherwise the record is encoded as by {@link #serialize(String, SpecificRecord)}.
     * Registration and lookup of the schema under the topic's subject happen either way.
     */
    public byte[] serialize(String topic, T record, byte[] wire) {
        if (record == null) {
            return null;
        }
        WriteTarget target = targetFor(topic, record);
        if (wire != null
                && wire.length >= WireFormat.HEADER_SIZE
                && wire[0] == WireFormat.MAGIC_BYTE
                && target.conversion == null) {
            int writerSchemaId = WireFormat.schemaId(wire);
            if (writerSchemaId == target.schemaId) {
                // Already under the schema id this topic gets: nothing to patch, nothing to copy.
                return wire;
            }
            if (target.encodesLike(writerSchemaId, settings.client())) {
                byte[] out = wire.clone();
                System.arraycopy(target.header, 0, out, 0, WireFormat.HEADER_SIZE);
                return out;
            }
        }
        return encode(topic, record, target);
    }

    private WriteTarget targetFor(String topic, T record) {
        Schema schema = record.getSchema();
        WriteTarget target = lastTarget;
        if (target == null || target.schema != schema || !target.topic.equals(topic)) {
            target = target(topic, schema, record);
        }
        return target;
    }

    private static byte[] encode(String topic, Object record, WriteTarget target) {
        try {
            return target.encode(record);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Error serializing Avro " + target.schema.getFullName() + " for topic '" + topic + "' (subject '"
                            + target.subject + "', schema id " + target.schemaId + "): " + e,
                    e);
        }
    }

    private WriteTarget target(String topic, Schema schema, T record) {
        Settings current = settings;
        if (current == null) {
            throw new IllegalStateException("SpecificAvroSerializer used before configure()");
        }
        if (topic == null) {
            throw new SerializationException("Cannot serialize Avro " + schema.getFullName()
                    + " without a topic: the subject is named after the topic");
        }
        TargetKey key = new TargetKey(topic, schema);
        WriteTarget target = targets.get(key);
        if (target == null) {
            // Built outside computeIfAbsent: it may call the registry, which can be slow or retrying.
            target = newTarget(current, topic, schema, record);
            WriteTarget raced = targets.putIfAbsent(key, target);
            if (raced != null) {
                target = raced;
            }
        }
        lastTarget = target;
        return target;
    }

    private WriteTarget newTarget(Settings current, String topic, Schema schema, T record) {
        String subject = topic + (current.isKey() ? "-key" : "-value");
        DatumWriter<Object> ownWriter = new SpecificDatumWriter<>(schema, writerModel(record.getClass()));
        try {
            if (current.autoRegister()) {
                return new WriteTarget(
                        topic, subject, schema, current.client().register(subject, schema), ownWriter, null);
            }
            if (current.useLatestVersion()) {
                RegisteredSchema latest = current.client().getLatestSchema(subject);
                if (sameEncoding(latest.schema(), schema)) {
                    return new WriteTarget(topic, subject, schema, latest.id(), ownWriter, null);
                }
                requireCanRead(latest, schema, topic);
                return new WriteTarget(
                        topic,
                        subject,
                        schema,
                        latest.id(),
                        ownWriter,
                        new WriteTarget.Conversion(schema, latest.schema()));
            }
            return new WriteTarget(topic, subject, schema, current.client().getId(subject, schema), ownWriter, null);
        } catch (SchemaRegistryUnavailableException e) {
            throw new SerializationException(
                    "Cannot serialize Avro " + schema.getFullName() + " for topic '" + topic + "': " + e.getMessage(),
                    e);
        } catch (SchemaRegistryException e) {
            if (!current.autoRegister()
                    && !current.useLatestVersion()
                    && (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                            || e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND)) {
                throw new SerializationException(
                        "Schema " + schema.getFullName() + " is not registered under subject '" + subject + "' (topic '"
                                + topic + "') and " + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS + "=false: "
                                + e.getMessage(),
                        e);
            }
            throw new SerializationException(
                    "Cannot serialize Avro " + schema.getFullName() + " for topic '" + topic + "': " + e.getMessage(),
                    e);
        }
    }

    /**
     * The generated class's own model (with the logical-type conversions its fields need), with Avro's generated
     * coders switched on: for a record without logical types, such as the temperature aggregate, generated code
     * writes the fields directly instead of Avro's generic walk over them, which boxes every number. Avro leaves
     * them off by default and uses them only where the class has them; a copy keeps the class's shared model as is.
     */
    private static SpecificData writerModel(Class<?> type) {
        SpecificData classModel = SpecificData.getForClass(type);
        SpecificData model = new SpecificData(type.getClassLoader());
        classModel.getConversions().forEach(model::addLogicalTypeConversion);
        model.setCustomCoders(true);
        return model;
    }

    /** Same Parsing Canonical Form means byte-identical encodings: no conversion is needed. */
    static boolean sameEncoding(Schema a, Schema b) {
        return a == b || SchemaNormalization.toParsingForm(a).equals(SchemaNormalization.toParsingForm(b));
    }

    private static void requireCanRead(RegisteredSchema latest, Schema recordSchema, String topic) {
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(latest.schema(), recordSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            StringJoiner problems = new StringJoiner("; ");
            for (SchemaCompatibility.Incompatibility problem :
                    compatibility.getResult().getIncompatibilities()) {
                problems.add(problem.getType() + " at " + problem.getLocation() + ": " + problem.getMessage());
            }
            String message = "Cannot serialize Avro " + recordSchema.getFullName() + " for topic '" + topic + "' with "
                    + AvroSerdeConfig.USE_LATEST_VERSION + "=true: the latest schema of subject '" + latest.subject()
                    + "' (id " + latest.id() + ", version " + latest.version()
                    + ") cannot read records of the record's schema: " + problems;
            // The subject refuses this record's schema as surely as a 409 would: a deployment error, not a bad record.
            throw new SerializationException(
                    message,
                    new SchemaRegistryException(
                            message,
                            SchemaRegistryException.NO_STATUS,
                            SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                            latest.subject()));
        }
    }

    private static final class TargetKey {
        private final String topic;
        private final Schema schema;

        TargetKey(String topic, Schema schema) {
            this.topic = topic;
            this.schema = schema;
        }

        // By schema instance: records of a generated class share one SCHEMA$, and comparing
        // instances avoids deep schema equality on every record.
        @Override
        public boolean equals(Object o) {
            return o instanceof TargetKey other && other.schema == schema && other.topic.equals(topic);
        }

        @Override
        public int hashCode() {
            return 31 * topic.hashCode() + System.identityHashCode(schema);
        }
    }
}
