package io.eventpipelines.avro;

import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * The subset of Confluent's Schema Registry API that the Avro serdes need.
 *
 * <p>Implementations are thread-safe. Failures are reported as {@link SchemaRegistryException};
 * a registry that cannot be reached as its subclass {@link SchemaRegistryUnavailableException}.
 */
public interface SchemaRegistryClient {

    /** The compatibility levels Confluent's registry accepts. */
    Set<String> COMPATIBILITY_LEVELS = Set.of(
            "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

    /**
     * Registers {@code schema} under {@code subject} (or finds it already registered there) and
     * returns its global id. {@code POST /subjects/{subject}/versions}.
     */
    int register(String subject, Schema schema);

    /**
     * Returns the id of {@code schema} if it is registered under {@code subject}, without
     * registering it. {@code POST /subjects/{subject}}; error code 40401 if the subject is unknown,
     * 40403 if the schema is not registered under it.
     */
    int getId(String subject, Schema schema);

    /** Returns the schema with global id {@code id}. {@code GET /schemas/ids/{id}}; 40403 if unknown. */
    Schema getSchemaById(int id);

    /**
     * Returns the latest version registered under {@code subject}.
     * {@code GET /subjects/{subject}/versions/latest}; 40401 if the subject is unknown.
     */
    RegisteredSchema getLatestSchema(String subject);

    /**
     * Sets the compatibility level of {@code subject} (NONE, BACKWARD, FORWARD, FULL, or one of them
     * with _TRANSITIVE). {@code PUT /config/{subject}}.
     */
    void updateCompatibility(String subject, String level);

    /**
     * Whether {@code schema} may be registered under {@code subject} given its compatibility level;
     * a subject without versions accepts anything.
     * {@code POST /compatibility/subjects/{subject}/versions/latest?verbose=true}.
     */
    CompatibilityResult testCompatibility(String subject, Schema schema);

    /**
     * The registry's subjects. {@code GET /subjects}: also how the app tells, at start, a Confluent-compatible
     * API from something else answering at the URL ({@link SchemaRegistryMisconfiguredException}).
     */
    List<String> subjects();

    /** The registry's verdict; {@code messages} may be empty (not every registry explains). */
    record CompatibilityResult(boolean compatible, List<String> messages) {}
}
