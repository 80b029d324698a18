package io.eventpipelines.avro;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The Schema Registry answered with an error, or its answer could not be used.
 *
 * <p>Carries the HTTP status and Confluent's {@code error_code} so callers can tell, for example,
 * an unknown subject (40401) from an unknown schema (40403) or an incompatible schema (409).
 */
public class SchemaRegistryException extends RuntimeException {

    /** Confluent's error code for a subject the registry does not know. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Confluent's error code for a version the registry does not know. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Confluent's error code for a schema (by id, or under a subject) the registry does not know. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Confluent's error code for a schema that breaks the subject's compatibility rule. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Confluent's error code for a schema the registry cannot parse. */
    public static final int INVALID_SCHEMA = 42201;
    /** No error code is known, e.g. the body was not Confluent's error JSON. */
    public static final int NO_ERROR_CODE = -1;
    /** No HTTP status is known, e.g. the connection failed. */
    public static final int NO_STATUS = -1;

    private final int status;
    private final int errorCode;
    private final String subject;

    public SchemaRegistryException(String message, int status, int errorCode, String subject) {
        this(message, status, errorCode, subject, null);
    }

    public SchemaRegistryException(String message, int status, int errorCode, String subject, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
        this.subject = subject;
    }

    /** The HTTP status of the registry's answer, or {@link #NO_STATUS}. */
    public int status() {
        return status;
    }

    /** Confluent's {@code error_code} (e.g. 40401, 40403, 409, 42201), or {@link #NO_ERROR_CODE}. */
    public int errorCode() {
        return errorCode;
    }

    /**
     * The registry refused who we are: HTTP 401 or 403, or a TLS handshake that failed (an untrusted or
     * mismatched certificate, a client certificate refused). Retrying the same call cannot succeed.
     */
    public boolean isAccessDenied() {
        return status == 403 || isNotAuthenticated();
    }

    /**
     * The registry does not accept who we are at all (HTTP 401, or a failed TLS handshake), whatever we ask:
     * unlike a 403, which may concern one subject or schema only.
     */
    public boolean isNotAuthenticated() {
        if (status == 401) {
            return true;
        }
        for (Throwable cause = getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code error} or one of its causes says the registry could not be reached, does not accept our
     * credentials, or refuses us a subject: the record is not at fault, so it must be retried once the registry
     * (or the configuration) is fixed, never dead-lettered. A 403 on a schema by id is the record's: it was
     * written with a schema this app may not read.
     */
    public static boolean isRegistryFailure(Throwable error) {
        return anyCause(error, t -> t instanceof SchemaRegistryUnavailableException
                || (t instanceof SchemaRegistryException registry
                        && (registry.isNotAuthenticated() || (registry.status() == 403 && registry.subject() != null))));
    }

    /** Whether {@code error} or one of its causes matches, each visited once (cause chains may loop). */
    static boolean anyCause(Throwable error, Predicate<Throwable> matches) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (matches.test(t)) {
                return true;
            }
        }
        return false;
    }

    /** The subject the failed call was about, or null for calls by schema id. */
    public String subject() {
        return subject;
    }
}
