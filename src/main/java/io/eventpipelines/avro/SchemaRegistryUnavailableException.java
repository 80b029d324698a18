package io.eventpipelines.avro;

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

    public SchemaRegistryUnavailableException(
            String message, int status, int errorCode, String subject, Throwable cause) {
        super(message, status, errorCode, subject, cause);
    }

    /** Whether {@code error} or any of its causes is a {@link SchemaRegistryUnavailableException}. */
    public static boolean isCauseOf(Throwable error) {
        return Causes.any(error, t -> t instanceof SchemaRegistryUnavailableException);
    }
}
