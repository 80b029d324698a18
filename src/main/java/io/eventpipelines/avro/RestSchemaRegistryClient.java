package io.eventpipelines.avro;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import javax.net.ssl.SSLException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * {@link SchemaRegistryClient} for Confluent's Schema Registry REST API.
 *
 * <p>Every answer is cached for the life of the client (ids and schemas are immutable in the
 * registry; the latest version per subject is cached too, like Confluent's default), so a warm
 * client makes no HTTP calls. Concurrent misses for the same key share one HTTP call.
 *
 * <p>Answers are classified by Confluent's error code, not by the HTTP status range:
 * <ul>
 *   <li>connection failures, timeouts, a TLS handshake cut short, HTTP 5xx, 408 and 429 are retried with
 *       exponential backoff and finally reported as {@link SchemaRegistryUnavailableException};
 *   <li>answers that are not the Confluent API's (a 404 without Confluent's error body, 400, 405, a non-JSON
 *       body even with status 200) are retried the same way and reported as
 *       {@link SchemaRegistryMisconfiguredException}: the URL is wrong, or a proxy answers for the registry;
 *   <li>401, 403 and certificate failures are reported at once, as access denied;
 *   <li>other answers with Confluent's error body (40401, 40403, 409, 422...) are reported at once as
 *       {@link SchemaRegistryException} carrying the code. A 40403 for a schema id no greater than one this
 *       client has seen may come from a replica that has not caught up yet: it is asked again, a bounded
 *       number of times.
 * </ul>
 * One call, every attempt and backoff included, takes at most {@value AvroSerdeConfig#CALL_TIMEOUT_MS}; every
 * wait in it (the HTTP exchange, the backoff, another thread's call for the same key) ends when the waiting
 * thread is interrupted or the client is {@link #close() closed}. With several URLs, a connection failure moves
 * on to the next URL, and the last URL that answered is tried first next time.
 *
 * <p>Over 300 lines on purpose, for now: the retry loop, the call deadline and the classification of every answer
 * (outage, misconfiguration, refusal, a record's fault) share the client's state and are read together. The next
 * split, when it grows, is the transport (endpoints, retries, timeouts) apart from the API and its caches.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient, AutoCloseable {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final String ACCEPT =
            "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_ERROR_BODY_CHARS = 300;
    /** How often, at most, a 40403 by id is asked again (within {@link #maxRetries} and the call's time). */
    private static final int MAX_MISSING_ID_RETRIES = 3;
    /** A replica lags its leader by milliseconds: longer waits would only stall every record with a deleted id. */
    private static final long MAX_MISSING_ID_WAIT_MS = 500;

    private static final int MAX_CONFIRMED_MISSING = 10_000;

    /** {@code user} is the basic-auth user name, for messages; never the password. */
    private record Endpoint(String baseUrl, String authorization, String user) {}

    private record SubjectSchema(String subject, Schema schema) {}

    /** What a request is for, phrased for error messages. */
    private record Call(String subject, String rejectedPrefix, String activity) {}

    private final List<Endpoint> endpoints;
    private final String urlsForMessages;
    private final AtomicInteger preferredEndpoint = new AtomicInteger();
    private final HttpClient http;
    private final Duration readTimeout;
    private final int maxRetries;
    private final long retriesWaitMs;
    private final long retriesMaxWaitMs;
    private final long callTimeoutMs;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    // Registries hand out ids in increasing order: an id at or below one seen here exists (or existed).
    private final AtomicInteger highestSeenId = new AtomicInteger(-1);
    // Ids still missing after being asked again (deleted schemas, most often): asked once more per record, not waited
    // for.
    private final Set<Integer> confirmedMissing = ConcurrentHashMap.newKeySet();

    // Registering and looking up are cached apart: a concurrent lookup that fails with 40403 must
    // not be handed to a caller that asked to register. Each consults the other's finished answers.
    private final SingleFlightCache<SubjectSchema, Integer> registeredIds = new SingleFlightCache<>();
    private final SingleFlightCache<SubjectSchema, Integer> lookedUpIds = new SingleFlightCache<>();
    private final SingleFlightCache<Integer, Schema> schemasById = new SingleFlightCache<>();
    private final SingleFlightCache<String, RegisteredSchema> latestBySubject = new SingleFlightCache<>();

    public RestSchemaRegistryClient(AvroSerdeConfig config) {
        if (config.schemaRegistryUrls().isEmpty() || config.mockScope().isPresent()) {
            throw new IllegalArgumentException("RestSchemaRegistryClient needs http(s) URLs, got " + config);
        }
        Optional<String> sharedUserInfo = config.basicAuthUserInfo();
        List<Endpoint> list = new ArrayList<>();
        for (String url : config.schemaRegistryUrls()) {
            String base = AvroSerdeConfig.withoutUserInfo(url, "");
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            String userInfo = config.basicAuthCredentialsSource() == AvroSerdeConfig.CredentialsSource.USER_INFO
                    ? sharedUserInfo.orElseThrow()
                    : AvroSerdeConfig.userInfoOf(url);
            list.add(new Endpoint(
                    base,
                    userInfo == null ? null : basicAuthorization(userInfo),
                    userInfo == null ? null : userInfo.substring(0, Math.max(0, userInfo.indexOf(':')))));
        }
        this.endpoints = List.copyOf(list);
        this.urlsForMessages = endpoints.size() == 1
                ? endpoints.get(0).baseUrl()
                : endpoints.stream().map(Endpoint::baseUrl).toList().toString();
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(Math.min(config.httpConnectTimeoutMs(), config.callTimeoutMs())))
                .followRedirects(HttpClient.Redirect.NORMAL);
        config.tls().context().ifPresent(builder::sslContext);
        this.http = builder.build();
        this.readTimeout = Duration.ofMillis(config.httpReadTimeoutMs());
        this.maxRetries = config.maxRetries();
        this.retriesWaitMs = config.retriesWaitMs();
        this.retriesMaxWaitMs = config.retriesMaxWaitMs();
        this.callTimeoutMs = config.callTimeoutMs();
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer known = lookedUpIds.getIfPresent(key);
        if (known != null) {
            return known;
        }
        Call call = new Call(
                subject,
                "Schema Registry rejected schema for subject '" + subject + "'",
                "registering a schema under subject '" + subject + "'");
        int id = cached(registeredIds, key, call, deadline -> {
            JsonNode response = execute(
                    "POST", "/subjects/" + encodeSegment(subject) + "/versions", schemaBody(schema), call, deadline);
            return requiredInt(response, "id", call);
        });
        seen(id, schema);
        return id;
    }

    @Override
    public int getId(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer known = registeredIds.getIfPresent(key);
        if (known != null) {
            return known;
        }
        Call call = new Call(
                subject,
                "Schema Registry lookup of schema under subject '" + subject + "' failed",
                "looking up a schema under subject '" + subject + "'");
        int id = cached(lookedUpIds, key, call, deadline -> {
            JsonNode response =
                    execute("POST", "/subjects/" + encodeSegment(subject), schemaBody(schema), call, deadline);
            return requiredInt(response, "id", call);
        });
        seen(id, schema);
        return id;
    }

    @Override
    public Schema getSchemaById(int id) {
        Call call =
                new Call(null, "Schema Registry lookup of schema id " + id + " failed", "looking up schema id " + id);
        Schema schema = cached(schemasById, id, call, deadline -> {
            for (int retry = 0; ; retry++) {
                try {
                    return parseSchema(execute("GET", "/schemas/ids/" + id, null, call, deadline), call);
                } catch (SchemaRegistryException e) {
                    boolean mayBeLagging = e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND
                            && id <= highestSeenId.get()
                            && !confirmedMissing.contains(id)
                            && retry < Math.min(maxRetries, MAX_MISSING_ID_RETRIES);
                    if (!mayBeLagging || !pause(Math.min(backoffMs(retry), MAX_MISSING_ID_WAIT_MS), deadline)) {
                        if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND && retry > 0) {
                            rememberMissing(id);
                        }
                        throw e;
                    }
                }
            }
        });
        highestSeenId.accumulateAndGet(id, Math::max);
        return schema;
    }

    @Override
    public RegisteredSchema getLatestSchema(String subject) {
        Call call = new Call(
                subject,
                "Schema Registry lookup of the latest schema of subject '" + subject + "' failed",
                "looking up the latest schema of subject '" + subject + "'");
        RegisteredSchema latest = cached(latestBySubject, subject, call, deadline -> {
            JsonNode response =
                    execute("GET", "/subjects/" + encodeSegment(subject) + "/versions/latest", null, call, deadline);
            return new RegisteredSchema(
                    subject,
                    requiredInt(response, "id", call),
                    requiredInt(response, "version", call),
                    parseSchema(response, call));
        });
        seen(latest.id(), latest.schema());
        return latest;
    }

    @Override
    public void updateCompatibility(String subject, String level) {
        Call call = new Call(
                subject,
                "Schema Registry rejected compatibility " + level + " for subject '" + subject + "'",
                "setting the compatibility of subject '" + subject + "'");
        execute(
                "PUT",
                "/config/" + encodeSegment(subject),
                MAPPER.createObjectNode().put("compatibility", level).toString(),
                call,
                deadline());
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        Call call = new Call(
                subject,
                "Schema Registry compatibility check for subject '" + subject + "' failed",
                "checking compatibility under subject '" + subject + "'");
        JsonNode response;
        try {
            response = execute(
                    "POST",
                    "/compatibility/subjects/" + encodeSegment(subject) + "/versions/latest?verbose=true",
                    schemaBody(schema),
                    call,
                    deadline());
        } catch (SchemaRegistryUnavailableException e) {
            throw e;
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return new CompatibilityResult(true, List.of());
            }
            throw e;
        }
        List<String> messages = new ArrayList<>();
        response.path("messages").forEach(message -> messages.add(message.asText()));
        return new CompatibilityResult(response.path("is_compatible").asBoolean(false), messages);
    }

    @Override
    public List<String> subjects() {
        Call call = new Call(null, "Schema Registry listing of subjects failed", "listing subjects");
        JsonNode response = execute("GET", "/subjects", null, call, deadline());
        List<String> subjects = new ArrayList<>();
        if (response.isArray()) {
            response.forEach(subject -> {
                if (subject.isTextual()) {
                    subjects.add(subject.asText());
                }
            });
            if (subjects.size() == response.size()) {
                return subjects;
            }
        }
        throw misconfigured(
                call,
                200,
                "answered GET /subjects with JSON that is not a list of subjects: " + truncate(response.toString()),
                null);
    }

    /**
     * Ends every wait of calls in progress, which then fail as {@link SchemaRegistryUnavailableException}, and
     * makes later calls fail at once: a stream thread that waits for a hung registry lets its instance close.
     */
    @Override
    public void close() {
        closed.countDown();
        inFlight.forEach(future -> future.cancel(true));
    }

    @Override
    public String toString() {
        return "RestSchemaRegistryClient{" + urlsForMessages + "}";
    }

    private long deadline() {
        return System.nanoTime() + callTimeoutMs * 1_000_000L;
    }

    private void rememberMissing(int id) {
        if (confirmedMissing.size() >= MAX_CONFIRMED_MISSING) {
            confirmedMissing.clear();
        }
        confirmedMissing.add(id);
    }

    private void seen(int id, Schema schema) {
        schemasById.putIfAbsent(id, schema);
        highestSeenId.accumulateAndGet(id, Math::max);
    }

    /** A cached answer, or the loader's, run once for concurrent callers and bounded by one call's time. */
    private <K, V> V cached(SingleFlightCache<K, V> cache, K key, Call call, LongFunction<V> loader) {
        V known = cache.getIfPresent(key);
        if (known != null) {
            return known;
        }
        long deadline = deadline();
        try {
            return cache.get(key, k -> loader.apply(deadline), remainingMs(deadline));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(
                    call,
                    "interrupted while waiting for another thread's identical call",
                    0,
                    SchemaRegistryException.NO_STATUS,
                    SchemaRegistryException.NO_ERROR_CODE,
                    e);
        } catch (TimeoutException e) {
            throw unavailable(
                    call,
                    "another thread's identical call did not end within " + callTimeoutMs + " ms ("
                            + AvroSerdeConfig.CALL_TIMEOUT_MS + ")",
                    0,
                    SchemaRegistryException.NO_STATUS,
                    SchemaRegistryException.NO_ERROR_CODE,
                    e);
        }
    }

    private static long remainingMs(long deadline) {
        return Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
    }

    /** Waits {@code ms}, or less if the call's time ends first; false when no time is left or the client closed. */
    private boolean pause(long ms, long deadline) {
        long wait = Math.min(ms, remainingMs(deadline));
        if (wait <= 0) {
            return false;
        }
        try {
            return !closed.await(wait, TimeUnit.MILLISECONDS) && remainingMs(deadline) > 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Encodes a subject as one URL path segment ({@link URLEncoder} is for query strings). */
    static String encodeSegment(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String basicAuthorization(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    private static String schemaBody(Schema schema) {
        return MAPPER.createObjectNode().put("schema", schema.toString()).toString();
    }

    private JsonNode execute(String method, String path, String body, Call call, long deadline) {
        String lastFailure = null;
        Throwable lastCause = null;
        int lastStatus = SchemaRegistryException.NO_STATUS;
        int lastErrorCode = SchemaRegistryException.NO_ERROR_CODE;
        boolean lastMisconfigured = false;
        for (int attempt = 0; ; attempt++) {
            try {
                HttpResponse<String> response = sendToFirstReachable(method, path, body, deadline);
                int status = response.statusCode();
                ErrorBody error = ErrorBody.of(response.body());
                if (status >= 200 && status < 300) {
                    JsonNode json = error.json();
                    if (json != null) {
                        return json;
                    }
                    lastMisconfigured = true;
                    lastFailure = "HTTP " + status + " with a body that is not JSON: " + error.describe();
                } else if (status == 401 || status == 403) {
                    throw new SchemaRegistryException(
                            accessDenied(status, call) + ": " + error.describe(), status, error.code(), call.subject());
                } else if (status >= 500 || status == 429 || status == 408) {
                    lastMisconfigured = false;
                    lastFailure = "HTTP " + status + ": " + error.describe();
                } else if (status == 400
                        || status == 405
                        || error.code() == SchemaRegistryException.NO_ERROR_CODE
                        || (status == 404 && error.code() / 100 != 404)) {
                    // 404 with error code 404 (not 40401, 40403...) is Confluent's answer to a path it does not serve.
                    lastMisconfigured = true;
                    lastFailure = "HTTP " + status + " "
                            + (error.code() == SchemaRegistryException.NO_ERROR_CODE
                                    ? "without a Schema Registry error body"
                                    : "from the Schema Registry API")
                            + ": " + error.describe();
                } else {
                    throw new SchemaRegistryException(
                            call.rejectedPrefix() + ": " + error.describe() + " (HTTP " + status + ")",
                            status,
                            error.code(),
                            call.subject());
                }
                lastStatus = status;
                lastErrorCode = error.code();
                lastCause = null;
            } catch (SSLException e) {
                if (SchemaRegistryException.isCertificateFailure(e)) {
                    // A certificate that is not trusted, a host name that does not match it, or a client certificate
                    // the registry refuses: retrying cannot help, and calling it an outage would hide the cause.
                    throw new SchemaRegistryException(
                            "TLS handshake with Schema Registry " + urlsForMessages
                                    + " failed while " + call.activity() + " (check "
                                    + AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION
                                    + ", " + AvroSerdeConfig.SSL_KEYSTORE_LOCATION + " and "
                                    + AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM + "): "
                                    + Causes.rootMessage(e),
                            SchemaRegistryException.NO_STATUS,
                            SchemaRegistryException.NO_ERROR_CODE,
                            call.subject(),
                            e);
                }
                // A handshake cut short (a registry or load balancer restarting): an outage like any other.
                lastMisconfigured = false;
                lastStatus = SchemaRegistryException.NO_STATUS;
                lastErrorCode = SchemaRegistryException.NO_ERROR_CODE;
                lastFailure = e.toString();
                lastCause = e;
            } catch (IOException e) {
                lastMisconfigured = false;
                lastStatus = SchemaRegistryException.NO_STATUS;
                lastErrorCode = SchemaRegistryException.NO_ERROR_CODE;
                lastFailure = e.toString();
                lastCause = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable(
                        call,
                        "interrupted",
                        attempt + 1,
                        SchemaRegistryException.NO_STATUS,
                        SchemaRegistryException.NO_ERROR_CODE,
                        e);
            }
            if (attempt >= maxRetries || !pause(backoffMs(attempt), deadline)) {
                if (Thread.currentThread().isInterrupted() || closed.getCount() == 0) {
                    lastFailure = (closed.getCount() == 0 ? "client closed" : "interrupted") + " after " + lastFailure;
                } else if (attempt < maxRetries) {
                    lastFailure = "no answer within " + callTimeoutMs + " ms (" + AvroSerdeConfig.CALL_TIMEOUT_MS
                            + "), last: " + lastFailure;
                }
                if (lastMisconfigured) {
                    throw misconfigured(
                            call,
                            lastStatus,
                            lastFailure + " (" + (attempt + 1) + (attempt == 0 ? " attempt" : " attempts") + ")",
                            lastCause);
                }
                throw unavailable(call, lastFailure, attempt + 1, lastStatus, lastErrorCode, lastCause);
            }
        }
    }

    private SchemaRegistryMisconfiguredException misconfigured(Call call, int status, String answer, Throwable cause) {
        return new SchemaRegistryMisconfiguredException(
                "Schema Registry " + urlsForMessages
                        + " does not answer as a Confluent-compatible Schema Registry API while " + call.activity()
                        + " (is " + AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG
                        + " the API's root, e.g. .../apis/ccompat/v7 for "
                        + "Apicurio?): " + answer,
                status,
                call.subject(),
                cause);
    }

    private SchemaRegistryUnavailableException unavailable(
            Call call, String failure, int attempts, int status, int errorCode, Throwable cause) {
        return new SchemaRegistryUnavailableException(
                "Schema Registry " + urlsForMessages + " unavailable while " + call.activity() + " (" + attempts
                        + (attempts == 1 ? " attempt" : " attempts") + "): " + failure,
                status,
                errorCode,
                call.subject(),
                cause);
    }

    private String accessDenied(int status, Call call) {
        Endpoint endpoint = endpoints.get(preferredEndpoint.get());
        String who = endpoint.user() == null
                ? "without credentials (set " + AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO and "
                        + AvroSerdeConfig.USER_INFO_CONFIG + ")"
                : "as user '" + endpoint.user() + "'";
        return "Schema Registry " + endpoint.baseUrl() + " answered HTTP " + status
                + (status == 401 ? " (not authenticated) " : " (not authorized) ") + who + " while " + call.activity();
    }

    long backoffMs(int attempt) {
        long wait = retriesWaitMs;
        for (int i = 0; i < attempt && wait < retriesMaxWaitMs; i++) {
            wait *= 2;
        }
        return Math.min(wait, retriesMaxWaitMs);
    }

    private HttpResponse<String> sendToFirstReachable(String method, String path, String body, long deadline)
            throws IOException, InterruptedException {
        int start = preferredEndpoint.get();
        IOException lastFailure = null;
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (start + i) % endpoints.size();
            Endpoint endpoint = endpoints.get(index);
            long remaining = remainingMs(deadline);
            if (remaining <= 0 || closed.getCount() == 0) {
                IOException out = new HttpTimeoutException(
                        closed.getCount() == 0
                                ? "client closed"
                                : "no time left within " + AvroSerdeConfig.CALL_TIMEOUT_MS);
                if (lastFailure != null) {
                    out.addSuppressed(lastFailure);
                }
                throw out;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + path))
                    .timeout(Duration.ofMillis(Math.min(readTimeout.toMillis(), remaining)))
                    .header("Content-Type", CONTENT_TYPE)
                    .header("Accept", ACCEPT)
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (endpoint.authorization() != null) {
                request.header("Authorization", endpoint.authorization());
            }
            try {
                HttpResponse<String> response = send(request.build(), remaining);
                preferredEndpoint.set(index);
                return response;
            } catch (IOException e) {
                if (lastFailure != null) {
                    e.addSuppressed(lastFailure);
                }
                lastFailure = e;
            }
        }
        throw lastFailure;
    }

    /**
     * {@link HttpClient#send}, except that {@link #close()} ends the wait too: asynchronous, so that the exchange
     * can be cancelled from another thread. The request's own timeout bounds it; the extra second only lets that
     * timeout be the one reported.
     */
    private HttpResponse<String> send(HttpRequest request, long timeoutMs) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> exchange =
                http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        inFlight.add(exchange);
        try {
            if (closed.getCount() == 0) {
                exchange.cancel(true);
            }
            return exchange.get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } catch (CancellationException e) {
            throw new IOException("client closed", e);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new HttpTimeoutException("request timed out");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } finally {
            inFlight.remove(exchange);
        }
    }

    private int requiredInt(JsonNode response, String field, Call call) {
        JsonNode value = response.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw misconfigured(
                    call, 200, "the answer has no integer '" + field + "': " + truncate(response.toString()), null);
        }
        return value.intValue();
    }

    private Schema parseSchema(JsonNode response, Call call) {
        JsonNode schemaType = response.get("schemaType");
        if (schemaType != null && !schemaType.isNull() && !"AVRO".equals(schemaType.asText())) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": the schema is of type " + schemaType.asText() + ", not AVRO",
                    200,
                    SchemaRegistryException.NO_ERROR_CODE,
                    call.subject());
        }
        JsonNode references = response.get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": schema references are not supported: " + truncate(references.toString()),
                    200,
                    SchemaRegistryException.NO_ERROR_CODE,
                    call.subject());
        }
        JsonNode text = response.get("schema");
        if (text == null || !text.isTextual()) {
            // Not the registry's answer about a schema: another API, or a proxy's page that happens to be JSON.
            throw misconfigured(call, 200, "the answer has no 'schema': " + truncate(response.toString()), null);
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": the registry returned a schema that is not valid Avro: "
                            + e.getMessage(),
                    200,
                    SchemaRegistryException.NO_ERROR_CODE,
                    call.subject(),
                    e);
        }
    }

    private static String truncate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= MAX_ERROR_BODY_CHARS ? text : text.substring(0, MAX_ERROR_BODY_CHARS) + "...";
    }

    /**
     * A body as Confluent's API would send it: {@code {"error_code":40401,"message":"..."}} for an error, or any
     * JSON for an answer; or whatever a proxy or another server sent instead.
     *
     * @param json the body parsed, or null when it is not JSON
     * @param code Confluent's error code, only when the body is Confluent's error JSON
     */
    private record ErrorBody(JsonNode json, int code, String message) {
        static ErrorBody of(String body) {
            JsonNode json;
            try {
                json = MAPPER.readTree(body == null ? "" : body);
            } catch (JsonProcessingException e) {
                // Not JSON, e.g. an HTML error page from a proxy: report the text itself.
                return new ErrorBody(null, SchemaRegistryException.NO_ERROR_CODE, truncate(body));
            }
            if (json == null || json.isMissingNode()) {
                return new ErrorBody(null, SchemaRegistryException.NO_ERROR_CODE, truncate(body));
            }
            if (json.isObject()) {
                JsonNode code = json.get("error_code");
                JsonNode message = json.get("message");
                return new ErrorBody(
                        json,
                        code != null && code.isIntegralNumber() && code.canConvertToInt()
                                ? code.intValue()
                                : SchemaRegistryException.NO_ERROR_CODE,
                        message != null && !message.isNull() ? message.asText() : truncate(body));
            }
            return new ErrorBody(json, SchemaRegistryException.NO_ERROR_CODE, truncate(body));
        }

        String describe() {
            String text = message == null || message.isBlank() ? "(empty response body)" : message;
            return code == SchemaRegistryException.NO_ERROR_CODE ? text : "error " + code + ": " + text;
        }
    }
}
