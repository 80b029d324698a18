package io.eventpipelines.avro;

/**
 * The registry URL answers, but not as a Confluent-compatible Schema Registry: a 404 without Confluent's error
 * body, 400, 405, an HTML or other non-JSON page, JSON of another shape. Most often {@code schema.registry.url}
 * points at the wrong path (Apicurio's root instead of {@code /apis/ccompat/v7}) or at a proxy's error page.
 *
 * <p>Like an outage, this says nothing about the record: a running pipeline retries it, never dead-letters it.
 * At start, it stops the app with one line (exit code 3).
 */
public class SchemaRegistryMisconfiguredException extends SchemaRegistryUnavailableException {

    public SchemaRegistryMisconfiguredException(String message, int status, String subject, Throwable cause) {
        super(message, status, NO_ERROR_CODE, subject, cause);
    }

    /** Whether {@code error} or any of its causes is a {@link SchemaRegistryMisconfiguredException}. */
    public static boolean isCauseOf(Throwable error) {
        return Causes.any(error, t -> t instanceof SchemaRegistryMisconfiguredException);
    }
}
