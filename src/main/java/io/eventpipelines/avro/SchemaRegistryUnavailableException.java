package io.eventpipelines.avro;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The Schema Registry could not be reached or kept failing (connection error, timeout, HTTP 5xx or
 * 429) after the configured retries.
 *
 * <p>This is a transient condition of the infrastructure, not a property of the record being
 * (de)serialized: a pipeline must not treat the record as poison. Serdes keep this exception in
 * the cause chain of the {@link org.apache.kafka.common.errors.SerializationException} they throw
 * so that error handlers can find it with {@link #isCauseOf(Throwable)}.
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {

    public SchemaRegistryUnavailableException(String message, int status, int errorCode, String subject, Throwable cause) {
        super(message, status, errorCode, subject, cause);
    }

    /** Whether {@code error} or any of its causes is a {@link SchemaRegistryUnavailableException}. */
    public static boolean isCauseOf(Throwable error) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SchemaRegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
