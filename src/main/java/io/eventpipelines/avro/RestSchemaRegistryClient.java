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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * {@link SchemaRegistryClient} for Confluent's Schema Registry REST API.
 *
 * <p>Every answer is cached for the life of the client (ids and schemas are immutable in the
 * registry; the latest version per subject is cached too, like Confluent's default), so a warm
 * client makes no HTTP calls. Concurrent misses for the same key share one HTTP call.
 *
 * <p>Connection failures, timeouts, HTTP 5xx and 429 are retried with exponential backoff and
 * finally reported as {@link SchemaRegistryUnavailableException}; other errors are reported at
 * once as {@link SchemaRegistryException}. With several URLs, a connection failure moves on to the
 * next URL, and the last URL that answered is tried first next time.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final String ACCEPT =
            "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_ERROR_BODY_CHARS = 300;

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
            list.add(new Endpoint(base, userInfo == null ? null : basicAuthorization(userInfo),
                    userInfo == null ? null : userInfo.substring(0, Math.max(0, userInfo.indexOf(':')))));
        }
        this.endpoints = List.copyOf(list);
        this.urlsForMessages = endpoints.size() == 1
                ? endpoints.get(0).baseUrl()
                : endpoints.stream().map(Endpoint::baseUrl).toList().toString();
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(config.httpConnectTimeoutMs()))
                .followRedirects(HttpClient.Redirect.NORMAL);
        config.tls().context().ifPresent(builder::sslContext);
        this.http = builder.build();
        this.readTimeout = Duration.ofMillis(config.httpReadTimeoutMs());
        this.maxRetries = config.maxRetries();
        this.retriesWaitMs = config.retriesWaitMs();
        this.retriesMaxWaitMs = config.retriesMaxWaitMs();
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer known = lookedUpIds.getIfPresent(key);
        if (known != null) {
            return known;
        }
        int id = registeredIds.get(key, k -> {
            Call call = new Call(subject,
                    "Schema Registry rejected schema for subject '" + subject + "'",
                    "registering a schema under subject '" + subject + "'");
            JsonNode response = execute("POST", "/subjects/" + encodeSegment(subject) + "/versions", schemaBody(schema), call);
            return requiredInt(response, "id", call);
        });
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public int getId(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer known = registeredIds.getIfPresent(key);
        if (known != null) {
            return known;
        }
        int id = lookedUpIds.get(key, k -> {
            Call call = new Call(subject,
                    "Schema Registry lookup of schema under subject '" + subject + "' failed",
                    "looking up a schema under subject '" + subject + "'");
            JsonNode response = execute("POST", "/subjects/" + encodeSegment(subject), schemaBody(schema), call);
            return requiredInt(response, "id", call);
        });
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public Schema getSchemaById(int id) {
        return schemasById.get(id, k -> {
            Call call = new Call(null,
                    "Schema Registry lookup of schema id " + id + " failed",
                    "looking up schema id " + id);
            JsonNode response = execute("GET", "/schemas/ids/" + id, null, call);
            return parseSchema(response, call);
        });
    }

    @Override
    public RegisteredSchema getLatestSchema(String subject) {
        RegisteredSchema latest = latestBySubject.get(subject, k -> {
            Call call = new Call(subject,
                    "Schema Registry lookup of the latest schema of subject '" + subject + "' failed",
                    "looking up the latest schema of subject '" + subject + "'");
            JsonNode response = execute("GET", "/subjects/" + encodeSegment(subject) + "/versions/latest", null, call);
            return new RegisteredSchema(subject,
                    requiredInt(response, "id", call), requiredInt(response, "version", call), parseSchema(response, call));
        });
        schemasById.putIfAbsent(latest.id(), latest.schema());
        return latest;
    }


    @Override
    public void updateCompatibility(String subject, String level) {
        Call call = new Call(subject,
                "Schema Registry rejected compatibility " + level + " for subject '" + subject + "'",
                "setting the compatibility of subject '" + subject + "'");
        execute("PUT", "/config/" + encodeSegment(subject),
                MAPPER.createObjectNode().put("compatibility", level).toString(), call);
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        Call call = new Call(subject,
                "Schema Registry compatibility check for subject '" + subject + "' failed",
                "checking compatibility under subject '" + subject + "'");
        JsonNode response;
        try {
            response = execute("POST", "/compatibility/subjects/" + encodeSegment(subject) + "/versions/latest?verbose=true",
                    schemaBody(schema), call);
        } catch (SchemaRegistryUnavailableException e) {
            throw e;
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return new CompatibilityResult(true, java.util.List.of());
            }
            throw e;
        }
        java.util.List<String> messages = new java.util.ArrayList<>();
        response.path("messages").forEach(message -> messages.add(message.asText()));
        return new CompatibilityResult(response.path("is_compatible").asBoolean(false), messages);
    }

    @Override
    public String toString() {
        return "RestSchemaRegistryClient{" + urlsForMessages + "}";
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

    private JsonNode execute(String method, String path, String body, Call call) {
        String lastFailure = null;
        Throwable lastCause = null;
        int lastStatus = SchemaRegistryException.NO_STATUS;
        int lastErrorCode = SchemaRegistryException.NO_ERROR_CODE;
        for (int attempt = 0; ; attempt++) {
            try {
                HttpResponse<String> response = sendToFirstReachable(method, path, body);
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return parseJson(response, call);
                }
                ErrorBody error = ErrorBody.of(response.body());
                if (status == 401 || status == 403) {
                    throw new SchemaRegistryException(accessDenied(status, call) + ": " + error.describe(),
                            status, error.code(), call.subject());
                }
                if (status < 500 && status != 429) {
                    throw new SchemaRegistryException(
                            call.rejectedPrefix() + ": " + error.describe() + " (HTTP " + status + ")",
                            status, error.code(), call.subject());
                }
                lastStatus = status;
                lastErrorCode = error.code();
                lastFailure = "HTTP " + status + ": " + error.describe();
                lastCause = null;
            } catch (javax.net.ssl.SSLException e) {
                // A certificate that is not trusted, a host name that does not match it, or a client certificate
                // the registry refuses: retrying cannot help, and calling it an outage would hide the cause.
                throw new SchemaRegistryException("TLS handshake with Schema Registry " + urlsForMessages
                        + " failed while " + call.activity() + " (check " + AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION
                        + ", " + AvroSerdeConfig.SSL_KEYSTORE_LOCATION + " and "
                        + AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM + "): " + rootMessage(e),
                        SchemaRegistryException.NO_STATUS, SchemaRegistryException.NO_ERROR_CODE, call.subject(), e);
            } catch (IOException e) {
                lastStatus = SchemaRegistryException.NO_STATUS;
                lastErrorCode = SchemaRegistryException.NO_ERROR_CODE;
                lastFailure = e.toString();
                lastCause = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable(call, "interrupted", attempt + 1, SchemaRegistryException.NO_STATUS,
                        SchemaRegistryException.NO_ERROR_CODE, e);
            }
            if (attempt >= maxRetries) {
                throw unavailable(call, lastFailure, attempt + 1, lastStatus, lastErrorCode, lastCause);
            }
            try {
                Thread.sleep(backoffMs(attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable(call, "interrupted while waiting to retry after " + lastFailure, attempt + 1,
                        lastStatus, lastErrorCode, e);
            }
        }
    }

    private SchemaRegistryUnavailableException unavailable(
            Call call, String failure, int attempts, int status, int errorCode, Throwable cause) {
        return new SchemaRegistryUnavailableException(
                "Schema Registry " + urlsForMessages + " unavailable while " + call.activity()
                        + " (" + attempts + (attempts == 1 ? " attempt" : " attempts") + "): " + failure,
                status, errorCode, call.subject(), cause);
    }

    private String accessDenied(int status, Call call) {
        Endpoint endpoint = endpoints.get(preferredEndpoint.get());
        String who = endpoint.user() == null ? "without credentials (set " + AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE
                + "=USER_INFO and " + AvroSerdeConfig.USER_INFO_CONFIG + ")" : "as user '" + endpoint.user() + "'";
        return "Schema Registry " + endpoint.baseUrl() + " answered HTTP " + status
                + (status == 401 ? " (not authenticated) " : " (not authorized) ") + who + " while " + call.activity();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    long backoffMs(int attempt) {
        long wait = retriesWaitMs;
        for (int i = 0; i < attempt && wait < retriesMaxWaitMs; i++) {
            wait *= 2;
        }
        return Math.min(wait, retriesMaxWaitMs);
    }

    private HttpResponse<String> sendToFirstReachable(String method, String path, String body)
            throws IOException, InterruptedException {
        int start = preferredEndpoint.get();
        IOException lastFailure = null;
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (start + i) % endpoints.size();
            Endpoint endpoint = endpoints.get(index);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + path))
                    .timeout(readTimeout)
                    .header("Content-Type", CONTENT_TYPE)
                    .header("Accept", ACCEPT)
                    .method(method, body == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (endpoint.authorization() != null) {
                request.header("Authorization", endpoint.authorization());
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
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

    private static JsonNode parseJson(HttpResponse<String> response, Call call) {
        try {
            return MAPPER.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": response is not JSON: " + truncate(response.body()),
                    response.statusCode(), SchemaRegistryException.NO_ERROR_CODE, call.subject(), e);
        }
    }

    private static int requiredInt(JsonNode response, String field, Call call) {
        JsonNode value = response.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": response has no integer '" + field + "': " + truncate(response.toString()),
                    200, SchemaRegistryException.NO_ERROR_CODE, call.subject());
        }
        return value.intValue();
    }

    private static Schema parseSchema(JsonNode response, Call call) {
        JsonNode schemaType = response.get("schemaType");
        if (schemaType != null && !schemaType.isNull() && !"AVRO".equals(schemaType.asText())) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": the schema is of type " + schemaType.asText() + ", not AVRO",
                    200, SchemaRegistryException.NO_ERROR_CODE, call.subject());
        }
        JsonNode references = response.get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": schema references are not supported: " + truncate(references.toString()),
                    200, SchemaRegistryException.NO_ERROR_CODE, call.subject());
        }
        JsonNode text = response.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": response has no 'schema': " + truncate(response.toString()),
                    200, SchemaRegistryException.NO_ERROR_CODE, call.subject());
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(
                    call.rejectedPrefix() + ": the registry returned a schema that is not valid Avro: " + e.getMessage(),
                    200, SchemaRegistryException.NO_ERROR_CODE, call.subject(), e);
        }
    }

    private static String truncate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= MAX_ERROR_BODY_CHARS ? text : text.substring(0, MAX_ERROR_BODY_CHARS) + "...";
    }

    /** Confluent's {@code {"error_code":40401,"message":"..."}}, or whatever a proxy sent instead. */
    private record ErrorBody(int code, String message) {
        static ErrorBody of(String body) {
            try {
                JsonNode json = MAPPER.readTree(body == null ? "" : body);
                if (json != null && json.isObject()) {
                    JsonNode code = json.get("error_code");
                    JsonNode message = json.get("message");
                    return new ErrorBody(
                            code != null && code.canConvertToInt() ? code.intValue() : SchemaRegistryException.NO_ERROR_CODE,
                            message != null && !message.isNull() ? message.asText() : truncate(body));
                }
            } catch (JsonProcessingException e) {
                // Not JSON, e.g. an HTML error page from a proxy: report the text itself.
            }
            return new ErrorBody(SchemaRegistryException.NO_ERROR_CODE, truncate(body));
        }

        String describe() {
            String text = message == null || message.isBlank() ? "(empty response body)" : message;
            return code == SchemaRegistryException.NO_ERROR_CODE ? text : "error " + code + ": " + text;
        }
    }
}
