package io.eventpipelines.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.testing.FakeRegistryServer;
import io.eventpipelines.testing.FakeRegistryServer.Response;
import io.eventpipelines.testing.TestCertificates;
import io.eventpipelines.testing.TestCertificates.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client over HTTPS, configured with Confluent's {@code schema.registry.ssl.*} keys, against a
 * real TLS server (the JDK's HttpsServer) with certificates from a test CA.
 */
class RegistryTlsTest {
    private static final String SUBJECT = "temperature-readings-value";
    private static final Schema SCHEMA = TemperatureReading.getClassSchema();
    private static final String STORE_PASSWORD = "store-pass-7f3a";
    private static final String REGISTRY_PASSWORD = "registry-pass-91c2";

    @TempDir
    Path dir;

    private TestCertificates certificates;
    private Store truststore;
    private FakeRegistryServer server;

    @BeforeEach
    void certificates() {
        certificates = new TestCertificates(dir, STORE_PASSWORD);
        truststore = certificates.truststore();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(Store serverCertificate, boolean requireClientCertificate) throws Exception {
        server = new FakeRegistryServer(certificates.sslContext(serverCertificate), requireClientCertificate);
        server.respondWith(r -> Response.ok("{\"id\":7}"));
    }

    private Map<String, Object> config(Object... keyValues) {
        Map<String, Object> config = new HashMap<>();
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, server.url());
        config.put(AvroSerdeConfig.MAX_RETRIES_CONFIG, 2);
        config.put(AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, 1);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    private Object[] trusting() {
        return new Object[] {
            AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION,
            truststore.path().toString(),
            AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD,
            STORE_PASSWORD,
            AvroSerdeConfig.SSL_TRUSTSTORE_TYPE,
            "PKCS12"
        };
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] all = new Object[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private RestSchemaRegistryClient client(Object... keyValues) {
        return new RestSchemaRegistryClient(new AvroSerdeConfig(config(keyValues)));
    }

    @Test
    void httpsWithTheConfiguredTruststoreAndBasicAuth() throws Exception {
        start(certificates.server("registry"), false);
        RestSchemaRegistryClient client = client(concat(
                trusting(),
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                "USER_INFO",
                AvroSerdeConfig.SCHEMA_REGISTRY_USER_INFO_CONFIG,
                "app:" + REGISTRY_PASSWORD));

        assertEquals(7, client.register(SUBJECT, SCHEMA));
        assertTrue(server.url().startsWith("https://"));
        assertEquals(
                "Basic "
                        + Base64.getEncoder()
                                .encodeToString(("app:" + REGISTRY_PASSWORD).getBytes(StandardCharsets.UTF_8)),
                server.requests().get(0).header("Authorization"));
    }

    @Test
    void anUntrustedCertificateIsAccessDeniedAtOnceNotAnOutageRetried() throws Exception {
        start(certificates.server("registry"), false);
        RestSchemaRegistryClient client = client(); // the JDK's trust store does not know the test CA

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.register(SUBJECT, SCHEMA));
        assertFalse(e instanceof SchemaRegistryUnavailableException, e.toString());
        assertTrue(e.isAccessDenied(), e.toString());
        assertTrue(
                e.getMessage().startsWith("TLS handshake with Schema Registry " + server.url() + " failed"),
                e.getMessage());
        assertTrue(e.getMessage().contains(AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION), e.getMessage());
        assertTrue(server.requests().isEmpty());
    }

    @Test
    void theHostNameIsVerifiedUnlessTheEndpointIdentificationAlgorithmIsEmpty() throws Exception {
        start(certificates.serverFor("elsewhere", "registry.elsewhere.test"), false);

        SchemaRegistryException e = assertThrows(
                SchemaRegistryException.class, () -> client(trusting()).register(SUBJECT, SCHEMA));
        assertTrue(e.isAccessDenied(), e.toString());

        RestSchemaRegistryClient unverified =
                client(concat(trusting(), AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM, ""));
        assertEquals(7, unverified.register(SUBJECT, SCHEMA), "same CA, host name not checked");
        assertFalse(new AvroSerdeConfig(
                        config(concat(trusting(), AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM, "")))
                .tls()
                .hostnameVerification());
        assertTrue(new AvroSerdeConfig(config(trusting())).tls().hostnameVerification(), "https by default");
    }

    @Test
    void mutualTlsSendsTheClientCertificateFromTheKeystore() throws Exception {
        start(certificates.server("registry"), true);
        Store clientCertificate = certificates.client("app");

        // Under TLS 1.3 the client learns of the refusal only after its side of the handshake, and the JDK's
        // server closes without an alert, so this may surface as a dropped connection: what matters is that
        // nothing got through without a certificate.
        assertThrows(SchemaRegistryException.class, () -> client(trusting()).register(SUBJECT, SCHEMA));
        assertTrue(server.requests().isEmpty());

        RestSchemaRegistryClient client = client(concat(
                trusting(),
                AvroSerdeConfig.SSL_KEYSTORE_LOCATION,
                clientCertificate.path().toString(),
                AvroSerdeConfig.SSL_KEYSTORE_PASSWORD,
                STORE_PASSWORD,
                AvroSerdeConfig.SSL_KEYSTORE_TYPE,
                "PKCS12",
                AvroSerdeConfig.SSL_KEY_PASSWORD,
                STORE_PASSWORD));
        assertEquals(7, client.register(SUBJECT, SCHEMA));
    }

    @Test
    void aStoreThatCannotBeReadIsAConfigurationErrorNamingTheKeyWithoutThePassword() throws Exception {
        start(certificates.server("registry"), false);
        ConfigException wrongPassword = assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(config(
                        AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION,
                        truststore.path().toString(),
                        AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD,
                        "not-the-" + STORE_PASSWORD)));
        assertTrue(
                wrongPassword.getMessage().contains(AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD),
                wrongPassword.getMessage());
        assertFalse(wrongPassword.getMessage().contains(STORE_PASSWORD), wrongPassword.getMessage());

        ConfigException missing = assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(config(
                        AvroSerdeConfig.SSL_KEYSTORE_LOCATION,
                        dir.resolve("nope.p12").toString())));
        assertTrue(missing.getMessage().contains(AvroSerdeConfig.SSL_KEYSTORE_LOCATION), missing.getMessage());

        ConfigException algorithm = assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(config(AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM, "ldaps")));
        assertTrue(
                algorithm.getMessage().contains(AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM),
                algorithm.getMessage());
    }

    @Test
    void wrongCredentialsAreAccessDeniedAtOnceNamingTheUserNotThePassword() throws Exception {
        start(certificates.server("registry"), false);
        server.respondWith(r -> Response.error(401, 401, "User is not authenticated."));
        RestSchemaRegistryClient client = client(concat(
                trusting(),
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                "USER_INFO",
                AvroSerdeConfig.USER_INFO_CONFIG,
                "app:" + REGISTRY_PASSWORD));

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.getId(SUBJECT, SCHEMA));
        assertFalse(e instanceof SchemaRegistryUnavailableException, e.toString());
        assertEquals(401, e.status());
        assertTrue(e.isAccessDenied());
        assertEquals(
                "Schema Registry " + server.url()
                        + " answered HTTP 401 (not authenticated) as user 'app' while looking up "
                        + "a schema under subject '" + SUBJECT + "': error 401: User is not authenticated.",
                e.getMessage());
        assertEquals(1, server.requests().size(), "not retried");

        server.respondWith(r -> Response.error(403, 40301, "User app is not authorized"));
        SchemaRegistryException forbidden =
                assertThrows(SchemaRegistryException.class, () -> client.register(SUBJECT, SCHEMA));
        assertTrue(forbidden.isAccessDenied());
        assertTrue(forbidden.getMessage().contains("HTTP 403 (not authorized) as user 'app'"), forbidden.getMessage());
    }

    @Test
    void secretsAreHiddenWhenTheConfigIsPrinted() throws Exception {
        start(certificates.server("registry"), false);
        Store clientCertificate = certificates.client("app");
        AvroSerdeConfig config = new AvroSerdeConfig(config(concat(
                trusting(),
                AvroSerdeConfig.SSL_KEYSTORE_LOCATION,
                clientCertificate.path().toString(),
                AvroSerdeConfig.SSL_KEYSTORE_PASSWORD,
                STORE_PASSWORD,
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                "USER_INFO",
                AvroSerdeConfig.USER_INFO_CONFIG,
                "app:" + REGISTRY_PASSWORD)));
        String printed = config.toString();
        assertFalse(printed.contains(STORE_PASSWORD), printed);
        assertFalse(printed.contains(REGISTRY_PASSWORD), printed);
        assertTrue(printed.contains(truststore.path().toString()), printed);
        assertEquals(
                "https://[hidden]@registry:8081,http://other:8081",
                AvroSerdeConfig.redactUrls("https://app:" + REGISTRY_PASSWORD + "@registry:8081,http://other:8081"));
        assertInstanceOf(String.class, AvroSerdeConfig.redactUrls("mock://x"));
    }
}
