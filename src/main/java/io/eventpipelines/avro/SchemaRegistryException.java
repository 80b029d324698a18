package io.eventpipelines.avro;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

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
     * The registry refused who we are: HTTP 401 or 403, or a TLS handshake that failed on a certificate (one we
     * do not trust, a host name it does not match, a client certificate refused). Retrying cannot succeed.
     */
    public boolean isAccessDenied() {
        return status == 403 || isNotAuthenticated();
    }

    /**
     * The registry does not accept who we are at all (HTTP 401, or a certificate refused in the TLS handshake),
     * whatever we ask: unlike a 403, which may concern one subject or schema only. A handshake cut short by a
     * restarting registry or load balancer is not this: it is an outage, retried.
     */
    public boolean isNotAuthenticated() {
        return status == 401 || isCertificateFailure(getCause());
    }

    /**
     * Whether {@code error} or one of its causes is a certificate or trust failure of a TLS handshake: a chain that
     * does not validate, a certificate that cannot be parsed or does not match the host name, a peer that sent none,
     * or the peer's fatal alert saying one of those of ours. Anything else a handshake may end with (the connection
     * reset or closed mid-handshake) says nothing about credentials. Under TLS 1.3 a server may refuse a client
     * certificate after the handshake, with an alert (found here) or by closing the connection, which cannot be
     * told from an outage.
     */
    public static boolean isCertificateFailure(Throwable error) {
        return Causes.any(
                error,
                t -> t instanceof CertPathValidatorException
                        || t instanceof CertificateException
                        || t instanceof SSLPeerUnverifiedException
                        || (t instanceof SSLException
                                && t.getMessage() != null
                                && CERTIFICATE_ALERT.matcher(t.getMessage()).find()));
    }

    // The TLS alerts (RFC 8446 6.2) by which a peer refuses our certificate, as the JDK words them in
    // "Received fatal alert: bad_certificate".
    private static final Pattern CERTIFICATE_ALERT = Pattern.compile(
            "fatal alert: (bad_certificate|unsupported_certificate|certificate_revoked|certificate_expired"
                    + "|certificate_unknown|unknown_ca|access_denied|certificate_required)");

    /**
     * Whether the registry blames the record for this answer to a lookup by schema id: the id is unknown
     * (40403), the app may not read that schema (403), or the schema is not one this serde can read (another
     * schema type, references, invalid Avro). Only then is a record whose id it is poison.
     */
    public boolean blamesTheRecord() {
        return subject == null
                && !(this instanceof SchemaRegistryUnavailableException)
                && (errorCode == SCHEMA_NOT_FOUND || status == 403 || status == 200);
    }

    /**
     * The registry answered a call about a subject with a refusal that no retry changes: the schema is
     * incompatible (409), invalid (422), not registered where {@code auto.register.schemas=false} needs it (40401,
     * 40403), or the subject is read-only. For an output that is a deployment error, not a bad record.
     */
    public boolean isSubjectRefusal() {
        return subject != null && !(this instanceof SchemaRegistryUnavailableException) && !isAccessDenied();
    }

    /**
     * Whether {@code error} or one of its causes is a registry problem that is not the record's: the registry
     * could not be reached or is misconfigured, refuses our credentials, or refuses a subject (an output's schema,
     * a subject we may not use). Such a record must be retried once the registry (or the deployment) is fixed,
     * never dead-lettered. Only {@link #blamesTheRecord()} answers make a record poison.
     */
    public static boolean isRegistryFailure(Throwable error) {
        return Causes.any(error, t -> t instanceof SchemaRegistryException registry && !registry.blamesTheRecord());
    }

    /** The first {@link #isSubjectRefusal() subject refusal} among {@code error} and its causes. */
    public static Optional<SchemaRegistryException> subjectRefusalIn(Throwable error) {
        return Causes.first(error, SchemaRegistryException.class, SchemaRegistryException::isSubjectRefusal);
    }

    /** The subject the failed call was about, or null for calls by schema id. */
    public String subject() {
        return subject;
    }
}
