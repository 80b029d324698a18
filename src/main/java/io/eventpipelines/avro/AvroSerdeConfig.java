package io.eventpipelines.avro;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings of the Avro serdes and the Schema Registry client, read from the same keys Confluent's
 * serdes use so that existing application properties keep working unchanged.
 *
 * <p>Values may be strings or typed values (Boolean, Integer, ...), because they usually arrive
 * through {@link java.util.Properties} or a Kafka Streams config map.
 *
 * <p>Over 300 lines on purpose: it mirrors Confluent's serde configuration key by key (names, defaults, validation
 * and their one-line errors), each key's parsing beside its accessor, so that it can be checked against Confluent's
 * in one read.
 */
public final class AvroSerdeConfig {

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String USER_INFO_CONFIG = "basic.auth.user.info";
    public static final String MAX_RETRIES_CONFIG = "max.retries";
    public static final String RETRIES_WAIT_MS_CONFIG = "retries.wait.ms";
    public static final String RETRIES_MAX_WAIT_MS_CONFIG = "retries.max.wait.ms";
    public static final String HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    public static final String HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms";
    /**
     * The app's own key, not Confluent's: the longest one registry call may take, retries and backoff included.
     * A stream thread waits that long for a registry that hangs, so it must stay well below
     * {@code max.poll.interval.ms}, or the thread is thrown out of its group while it waits.
     */
    public static final String CALL_TIMEOUT_MS = "schema.registry.call.timeout.ms";

    /**
     * Confluent passes every {@code schema.registry.}-prefixed setting to its registry client with
     * the prefix removed, so configs written for Confluent may use these spellings.
     */
    public static final String SCHEMA_REGISTRY_USER_INFO_CONFIG = "schema.registry." + USER_INFO_CONFIG;

    public static final String SCHEMA_REGISTRY_BASIC_AUTH_CREDENTIALS_SOURCE =
            "schema.registry." + BASIC_AUTH_CREDENTIALS_SOURCE;

    /*
     * TLS to the registry, spelled as Confluent's client spells them: Kafka's ssl.* keys with the
     * schema.registry. prefix, so that the broker's ssl.* settings never leak into registry calls.
     */
    public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";
    /** {@code https} (default) checks the registry's host name against its certificate; empty turns that off. */
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM =
            "schema.registry.ssl.endpoint.identification.algorithm";
    /** Kafka's and Confluent's default store type; the JDK's JKS keystore reads PKCS12 files too. */
    public static final String SSL_STORE_TYPE_DEFAULT = "JKS";

    /** The URL scheme that selects {@link MockSchemaRegistry}, as in Confluent's serdes. */
    public static final String MOCK_URL_PREFIX = "mock://";

    /** Every key this config reads, for spotting typos in a properties file. */
    public static final Set<String> KEYS = Set.of(
            SCHEMA_REGISTRY_URL_CONFIG,
            AUTO_REGISTER_SCHEMAS,
            USE_LATEST_VERSION,
            BASIC_AUTH_CREDENTIALS_SOURCE,
            USER_INFO_CONFIG,
            MAX_RETRIES_CONFIG,
            RETRIES_WAIT_MS_CONFIG,
            RETRIES_MAX_WAIT_MS_CONFIG,
            HTTP_CONNECT_TIMEOUT_MS,
            HTTP_READ_TIMEOUT_MS,
            CALL_TIMEOUT_MS,
            SCHEMA_REGISTRY_USER_INFO_CONFIG,
            SCHEMA_REGISTRY_BASIC_AUTH_CREDENTIALS_SOURCE,
            SSL_TRUSTSTORE_LOCATION,
            SSL_TRUSTSTORE_PASSWORD,
            SSL_TRUSTSTORE_TYPE,
            SSL_KEYSTORE_LOCATION,
            SSL_KEYSTORE_PASSWORD,
            SSL_KEYSTORE_TYPE,
            SSL_KEY_PASSWORD,
            SSL_ENDPOINT_IDENTIFICATION_ALGORITHM);

    /** Where the basic-auth credentials come from; Confluent's SASL_INHERIT is not supported. */
    public enum CredentialsSource {
        /** {@code user:password@} in the registry URL; Confluent's default. */
        URL,
        /** {@link #USER_INFO_CONFIG}. */
        USER_INFO
    }

    public static final boolean AUTO_REGISTER_SCHEMAS_DEFAULT = true;
    public static final boolean USE_LATEST_VERSION_DEFAULT = false;
    public static final CredentialsSource BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT = CredentialsSource.URL;
    public static final int MAX_RETRIES_DEFAULT = 3;
    public static final int RETRIES_WAIT_MS_DEFAULT = 1000;
    public static final int RETRIES_MAX_WAIT_MS_DEFAULT = 20000;
    public static final int HTTP_CONNECT_TIMEOUT_MS_DEFAULT = 60000;
    public static final int HTTP_READ_TIMEOUT_MS_DEFAULT = 60000;
    public static final int CALL_TIMEOUT_MS_DEFAULT = 30000;

    private static final String HIDDEN = "[hidden]";

    private final List<String> schemaRegistryUrls;
    private final boolean autoRegisterSchemas;
    private final boolean useLatestVersion;
    private final CredentialsSource credentialsSource;
    private final String userInfo;
    private final int maxRetries;
    private final int retriesWaitMs;
    private final int retriesMaxWaitMs;
    private final int httpConnectTimeoutMs;
    private final int httpReadTimeoutMs;
    private final int callTimeoutMs;
    private final RegistryTls tls;

    /**
     * Parses and validates {@code configs}.
     *
     * @throws ConfigException if {@value #SCHEMA_REGISTRY_URL_CONFIG} is missing or a value is invalid
     */
    public AvroSerdeConfig(Map<String, ?> configs) {
        this(configs, true);
    }

    private AvroSerdeConfig(Map<String, ?> configs, boolean urlRequired) {
        Objects.requireNonNull(configs, "configs");
        this.schemaRegistryUrls = parseUrls(configs.get(SCHEMA_REGISTRY_URL_CONFIG), urlRequired);
        this.autoRegisterSchemas = parseBoolean(configs, AUTO_REGISTER_SCHEMAS, AUTO_REGISTER_SCHEMAS_DEFAULT);
        this.useLatestVersion = parseBoolean(configs, USE_LATEST_VERSION, USE_LATEST_VERSION_DEFAULT);
        this.credentialsSource = parseCredentialsSource(configs);
        this.userInfo = parseUserInfo(configs, credentialsSource);
        this.maxRetries = parseInt(configs, MAX_RETRIES_CONFIG, MAX_RETRIES_DEFAULT, 0);
        this.retriesWaitMs = parseInt(configs, RETRIES_WAIT_MS_CONFIG, RETRIES_WAIT_MS_DEFAULT, 0);
        this.retriesMaxWaitMs = parseInt(configs, RETRIES_MAX_WAIT_MS_CONFIG, RETRIES_MAX_WAIT_MS_DEFAULT, 0);
        this.httpConnectTimeoutMs = parseInt(configs, HTTP_CONNECT_TIMEOUT_MS, HTTP_CONNECT_TIMEOUT_MS_DEFAULT, 1);
        this.httpReadTimeoutMs = parseInt(configs, HTTP_READ_TIMEOUT_MS, HTTP_READ_TIMEOUT_MS_DEFAULT, 1);
        this.callTimeoutMs = parseInt(configs, CALL_TIMEOUT_MS, CALL_TIMEOUT_MS_DEFAULT, 1);
        this.tls = RegistryTls.parse(configs);
    }

    /**
     * For serdes built around an injected client: the URL is then irrelevant and may be absent,
     * but the remaining settings still apply.
     */
    static AvroSerdeConfig parseWithoutRequiredUrl(Map<String, ?> configs) {
        return new AvroSerdeConfig(configs, false);
    }

    /** The registry URLs in configured order; empty only for configs parsed for an injected client. */
    public List<String> schemaRegistryUrls() {
        return schemaRegistryUrls;
    }

    public boolean autoRegisterSchemas() {
        return autoRegisterSchemas;
    }

    public boolean useLatestVersion() {
        return useLatestVersion;
    }

    public CredentialsSource basicAuthCredentialsSource() {
        return credentialsSource;
    }

    /**
     * The {@code user:password} of {@value #USER_INFO_CONFIG}, present only when the credentials
     * source is {@link CredentialsSource#USER_INFO}; as in Confluent, the setting is ignored otherwise.
     * With {@link CredentialsSource#URL} each URL carries its own credentials.
     */
    public Optional<String> basicAuthUserInfo() {
        return credentialsSource == CredentialsSource.USER_INFO ? Optional.of(userInfo) : Optional.empty();
    }

    public int maxRetries() {
        return maxRetries;
    }

    public int retriesWaitMs() {
        return retriesWaitMs;
    }

    public int retriesMaxWaitMs() {
        return retriesMaxWaitMs;
    }

    public int httpConnectTimeoutMs() {
        return httpConnectTimeoutMs;
    }

    /** The longest one registry call may take, every attempt and backoff included. */
    public int callTimeoutMs() {
        return callTimeoutMs;
    }

    public int httpReadTimeoutMs() {
        return httpReadTimeoutMs;
    }

    /** The {@code schema.registry.ssl.*} settings (defaults: the JDK's trust store, no client certificate). */
    public RegistryTls tls() {
        return tls;
    }

    /** {@code user:password@} in each URL of a comma-separated list replaced by {@code [hidden]@}: safe to print. */
    public static String redactUrls(String urls) {
        return String.valueOf(redactedForError(urls));
    }

    /** The scope of a {@code mock://scope} URL, if that is what is configured. */
    public Optional<String> mockScope() {
        if (schemaRegistryUrls.size() == 1 && schemaRegistryUrls.get(0).startsWith(MOCK_URL_PREFIX)) {
            return Optional.of(schemaRegistryUrls.get(0).substring(MOCK_URL_PREFIX.length()));
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        List<String> redacted = new ArrayList<>(schemaRegistryUrls.size());
        for (String url : schemaRegistryUrls) {
            redacted.add(withoutUserInfo(url, HIDDEN + "@"));
        }
        return "AvroSerdeConfig{"
                + SCHEMA_REGISTRY_URL_CONFIG + "=" + redacted
                + ", " + AUTO_REGISTER_SCHEMAS + "=" + autoRegisterSchemas
                + ", " + USE_LATEST_VERSION + "=" + useLatestVersion
                + ", " + BASIC_AUTH_CREDENTIALS_SOURCE + "=" + credentialsSource
                + ", " + USER_INFO_CONFIG + "=" + (userInfo == null ? "null" : HIDDEN)
                + ", " + MAX_RETRIES_CONFIG + "=" + maxRetries
                + ", " + RETRIES_WAIT_MS_CONFIG + "=" + retriesWaitMs
                + ", " + RETRIES_MAX_WAIT_MS_CONFIG + "=" + retriesMaxWaitMs
                + ", " + HTTP_CONNECT_TIMEOUT_MS + "=" + httpConnectTimeoutMs
                + ", " + HTTP_READ_TIMEOUT_MS + "=" + httpReadTimeoutMs
                + ", " + tls
                + "}";
    }

    /**
     * Returns the percent-decoded user info embedded in {@code url}, or null. The user info is everything between
     * {@code ://} and the URL's last {@code @} (see {@link #userInfoEnd}), so a password may contain {@code /},
     * {@code @}, {@code :}, {@code ?}, {@code #} as they are. Valid {@code %XX} escapes are decoded (UTF-8), as in
     * any URL; a {@code %} not followed by two hex digits can only be meant literally and is kept.
     */
    static String userInfoOf(String url) {
        int at = userInfoEnd(url);
        return at < 0 ? null : percentDecoded(url.substring(url.indexOf("://") + 3, at));
    }

    /**
     * Removes {@code user:password@} from a URL; both for sending requests (the credentials go in a
     * header instead) and for printing.
     */
    static String withoutUserInfo(String url, String replacement) {
        int at = userInfoEnd(url);
        return at < 0 ? url : url.substring(0, url.indexOf("://") + 3) + replacement + url.substring(at + 1);
    }

    /**
     * The index of the {@code @} that ends a URL's user info, or -1. Generated secrets often contain {@code /}
     * and {@code +} and are pasted unescaped, so the user info runs to the URL's last
     * {@code @}, not to the first {@code /} as RFC 3986 would have it: cutting at the first {@code /} printed the
     * rest of such a password and sent the wrong credentials. The price: an {@code @} in a registry URL's path
     * or query must be written {@code %40}, or it is taken for the end of the credentials (and hidden with them
     * when printed, never shown).
     */
    private static int userInfoEnd(String url) {
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            return -1;
        }
        int at = url.lastIndexOf('@');
        return at >= schemeEnd + 3 ? at : -1;
    }

    private static String percentDecoded(String raw) {
        StringBuilder decoded = new StringBuilder(raw.length());
        ByteArrayOutputStream escaped = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) == '%' && hex(raw, i + 1) >= 0 && hex(raw, i + 2) >= 0) {
                // Consecutive escapes are one UTF-8 sequence, decoded together.
                escaped.write(hex(raw, i + 1) * 16 + hex(raw, i + 2));
                i += 2;
            } else {
                decoded.append(escaped.toString(StandardCharsets.UTF_8)).append(raw.charAt(i));
                escaped.reset();
            }
        }
        return decoded.append(escaped.toString(StandardCharsets.UTF_8)).toString();
    }

    private static int hex(String s, int index) {
        // ASCII only: Character.digit also accepts other scripts' digits.
        return index < s.length() && s.charAt(index) < 128 ? Character.digit(s.charAt(index), 16) : -1;
    }

    private static List<String> parseUrls(Object value, boolean required) {
        List<String> urls = new ArrayList<>();
        if (value instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    urls.add(part.trim());
                }
            }
        } else if (value instanceof Collection<?> c) {
            for (Object part : c) {
                if (!(part instanceof String s)) {
                    throw new ConfigException(
                            SCHEMA_REGISTRY_URL_CONFIG, redactedForError(value), "expected a list of URL strings");
                }
                if (!s.isBlank()) {
                    urls.add(s.trim());
                }
            }
        } else if (value != null) {
            throw new ConfigException(SCHEMA_REGISTRY_URL_CONFIG, value, "expected a comma-separated list of URLs");
        }
        if (urls.isEmpty()) {
            if (required) {
                throw new ConfigException("Missing required configuration \"" + SCHEMA_REGISTRY_URL_CONFIG
                        + "\" which has no default value.");
            }
            return List.of();
        }
        boolean anyMock = urls.stream().anyMatch(u -> u.startsWith(MOCK_URL_PREFIX));
        if (anyMock && urls.size() > 1) {
            throw new ConfigException(
                    SCHEMA_REGISTRY_URL_CONFIG,
                    redactedForError(value),
                    "a " + MOCK_URL_PREFIX + " URL must be the only URL");
        }
        if (!anyMock) {
            for (String url : urls) {
                validateHttpUrl(url, value);
            }
        }
        return List.copyOf(urls);
    }

    private static void validateHttpUrl(String url, Object configuredValue) {
        try {
            // The credentials may hold characters a URI refuses; they are not part of where to connect.
            URI uri = new URI(withoutUserInfo(url, ""));
            String scheme = uri.getScheme();
            if (scheme == null
                    || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw new ConfigException(
                        SCHEMA_REGISTRY_URL_CONFIG,
                        redactedForError(configuredValue),
                        "expected http(s)://host[:port] URLs or a single " + MOCK_URL_PREFIX + "<scope>");
            }
        } catch (URISyntaxException e) {
            throw new ConfigException(
                    SCHEMA_REGISTRY_URL_CONFIG, redactedForError(configuredValue), "not a valid URL: " + e.getReason());
        }
    }

    /** Error messages must not leak a password embedded in a URL. */
    private static Object redactedForError(Object value) {
        if (value instanceof String s) {
            List<String> parts = new ArrayList<>();
            for (String part : s.split(",", -1)) {
                parts.add(withoutUserInfo(part.trim(), HIDDEN + "@"));
            }
            return String.join(",", parts);
        }
        if (value instanceof Collection<?> c) {
            List<Object> parts = new ArrayList<>();
            for (Object part : c) {
                parts.add(part instanceof String s ? withoutUserInfo(s, HIDDEN + "@") : part);
            }
            return parts;
        }
        return value;
    }

    private static CredentialsSource parseCredentialsSource(Map<String, ?> configs) {
        Object value =
                aliased(configs, BASIC_AUTH_CREDENTIALS_SOURCE, SCHEMA_REGISTRY_BASIC_AUTH_CREDENTIALS_SOURCE, false);
        if (value == null) {
            return BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT;
        }
        if (!(value instanceof String s)) {
            throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, value, "expected one of URL, USER_INFO");
        }
        try {
            return CredentialsSource.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    BASIC_AUTH_CREDENTIALS_SOURCE,
                    value,
                    "expected one of URL, USER_INFO (SASL_INHERIT is not supported)");
        }
    }

    private static String parseUserInfo(Map<String, ?> configs, CredentialsSource source) {
        Object value = aliased(configs, USER_INFO_CONFIG, SCHEMA_REGISTRY_USER_INFO_CONFIG, true);
        if (value != null && !(value instanceof String)) {
            throw new ConfigException(USER_INFO_CONFIG, HIDDEN, "expected a string user:password");
        }
        String userInfo = (String) value;
        if (source == CredentialsSource.USER_INFO) {
            if (userInfo == null || userInfo.isEmpty()) {
                throw new ConfigException(
                        USER_INFO_CONFIG, null, "required when " + BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO");
            }
            if (userInfo.indexOf(':') < 0) {
                throw new ConfigException(USER_INFO_CONFIG, HIDDEN, "expected user:password");
            }
        }
        return userInfo;
    }

    /**
     * Reads a key that may also be spelled with Confluent's {@code schema.registry.} prefix.
     * Different values under the two spellings are rejected rather than silently picking one.
     */
    private static Object aliased(Map<String, ?> configs, String key, String alias, boolean secret) {
        Object plain = configs.get(key);
        Object prefixed = configs.get(alias);
        if (plain != null && prefixed != null && !plain.equals(prefixed)) {
            throw new ConfigException(key, secret ? HIDDEN : plain, "conflicts with the value of its alias " + alias);
        }
        return plain != null ? plain : prefixed;
    }

    private static boolean parseBoolean(Map<String, ?> configs, String key, boolean defaultValue) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            String trimmed = s.trim();
            if (trimmed.equalsIgnoreCase("true")) {
                return true;
            }
            if (trimmed.equalsIgnoreCase("false")) {
                return false;
            }
        }
        throw new ConfigException(key, value, "expected true or false");
    }

    private static int parseInt(Map<String, ?> configs, String key, int defaultValue, int min) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        long parsed;
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            parsed = ((Number) value).longValue();
        } else if (value instanceof String s) {
            try {
                parsed = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(key, value, "expected an integer");
            }
        } else {
            throw new ConfigException(key, value, "expected an integer");
        }
        if (parsed < min || parsed > Integer.MAX_VALUE) {
            throw new ConfigException(key, value, "expected an integer between " + min + " and " + Integer.MAX_VALUE);
        }
        return (int) parsed;
    }
}
