package io.eventpipelines.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {

    private static final String URL = "http://registry:8081";

    private static Map<String, Object> with(Object... keyValues) {
        Map<String, Object> map = new HashMap<>();
        map.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, URL);
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    @Test
    void defaultsMatchConfluent() {
        AvroSerdeConfig config = new AvroSerdeConfig(with());
        assertEquals(List.of(URL), config.schemaRegistryUrls());
        assertTrue(config.autoRegisterSchemas());
        assertFalse(config.useLatestVersion());
        assertEquals(AvroSerdeConfig.CredentialsSource.URL, config.basicAuthCredentialsSource());
        assertEquals(Optional.empty(), config.basicAuthUserInfo());
        assertEquals(3, config.maxRetries());
        assertEquals(1000, config.retriesWaitMs());
        assertEquals(20000, config.retriesMaxWaitMs());
        assertEquals(60000, config.httpConnectTimeoutMs());
        assertEquals(60000, config.httpReadTimeoutMs());
        assertEquals(Optional.empty(), config.mockScope());
    }

    @Test
    void readsStringValuesAsFromProperties() {
        Properties properties = new Properties();
        properties.setProperty("schema.registry.url", " http://a:8081 , http://b:8081/ ");
        properties.setProperty("auto.register.schemas", "FALSE");
        properties.setProperty("use.latest.version", " true ");
        properties.setProperty("max.retries", "0");
        properties.setProperty("retries.wait.ms", "5");
        properties.setProperty("retries.max.wait.ms", "50");
        properties.setProperty("http.connect.timeout.ms", "100");
        properties.setProperty("http.read.timeout.ms", "200");
        Map<String, Object> map = new HashMap<>();
        properties.forEach((k, v) -> map.put((String) k, v));

        AvroSerdeConfig config = new AvroSerdeConfig(map);

        assertEquals(List.of("http://a:8081", "http://b:8081/"), config.schemaRegistryUrls());
        assertFalse(config.autoRegisterSchemas());
        assertTrue(config.useLatestVersion());
        assertEquals(0, config.maxRetries());
        assertEquals(5, config.retriesWaitMs());
        assertEquals(50, config.retriesMaxWaitMs());
        assertEquals(100, config.httpConnectTimeoutMs());
        assertEquals(200, config.httpReadTimeoutMs());
    }

    @Test
    void readsTypedValues() {
        AvroSerdeConfig config = new AvroSerdeConfig(with(
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS,
                Boolean.FALSE,
                AvroSerdeConfig.MAX_RETRIES_CONFIG,
                7,
                AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG,
                10L,
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                List.of("https://a", "https://b")));
        assertFalse(config.autoRegisterSchemas());
        assertEquals(7, config.maxRetries());
        assertEquals(10, config.retriesWaitMs());
        assertEquals(List.of("https://a", "https://b"), config.schemaRegistryUrls());
    }

    @Test
    void invalidBooleanNamesTheKey() {
        ConfigException e = assertThrows(
                ConfigException.class, () -> new AvroSerdeConfig(with(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "yes")));
        assertTrue(e.getMessage().contains("auto.register.schemas"), e.getMessage());
        assertTrue(e.getMessage().contains("yes"), e.getMessage());
    }

    @Test
    void invalidNumbersAreRejected() {
        assertThrows(
                ConfigException.class, () -> new AvroSerdeConfig(with(AvroSerdeConfig.MAX_RETRIES_CONFIG, "three")));
        assertThrows(ConfigException.class, () -> new AvroSerdeConfig(with(AvroSerdeConfig.MAX_RETRIES_CONFIG, -1)));
        assertThrows(ConfigException.class, () -> new AvroSerdeConfig(with(AvroSerdeConfig.HTTP_READ_TIMEOUT_MS, 0)));
        assertThrows(
                ConfigException.class, () -> new AvroSerdeConfig(with(AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, 1.5)));
        assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(AvroSerdeConfig.HTTP_CONNECT_TIMEOUT_MS, "99999999999")));
    }

    @Test
    void missingUrlNamesTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> new AvroSerdeConfig(Map.of()));
        assertTrue(e.getMessage().contains("schema.registry.url"), e.getMessage());
        assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, " , ")));
    }

    @Test
    void invalidUrlsAreRejected() {
        assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "registry:8081")));
        assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "ftp://registry")));
        assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://a,http://b:8081")));
    }

    @Test
    void mockUrlSelectsAScope() {
        AvroSerdeConfig config =
                new AvroSerdeConfig(with(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://my-tests"));
        assertEquals(Optional.of("my-tests"), config.mockScope());
        assertEquals(MockSchemaRegistry.getClientForScope("my-tests"), SchemaRegistryClients.create(config));
        MockSchemaRegistry.dropScope("my-tests");
    }

    @Test
    void userInfoCredentials() {
        AvroSerdeConfig config = new AvroSerdeConfig(with(
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO",
                AvroSerdeConfig.USER_INFO_CONFIG, "alice:s3cret"));
        assertEquals(AvroSerdeConfig.CredentialsSource.USER_INFO, config.basicAuthCredentialsSource());
        assertEquals(Optional.of("alice:s3cret"), config.basicAuthUserInfo());

        AvroSerdeConfig aliased = new AvroSerdeConfig(with(
                "schema.registry.basic.auth.credentials.source", "user_info",
                "schema.registry.basic.auth.user.info", "bob:pw"));
        assertEquals(Optional.of("bob:pw"), aliased.basicAuthUserInfo());
    }

    @Test
    void userInfoSourceNeedsUserInfo() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO")));
        assertTrue(e.getMessage().contains("basic.auth.user.info"), e.getMessage());
        assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(
                        AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                        "USER_INFO",
                        AvroSerdeConfig.USER_INFO_CONFIG,
                        "no-colon")));
        assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "SASL_INHERIT")));
    }

    @Test
    void conflictingAliasesAreRejectedWithoutShowingThePassword() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(
                        AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO",
                        AvroSerdeConfig.USER_INFO_CONFIG, "alice:s3cret",
                        AvroSerdeConfig.SCHEMA_REGISTRY_USER_INFO_CONFIG, "alice:other-s3cret")));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void toStringNeverShowsSecrets() {
        AvroSerdeConfig userInfo = new AvroSerdeConfig(with(
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO",
                AvroSerdeConfig.USER_INFO_CONFIG, "alice:s3cret"));
        assertFalse(userInfo.toString().contains("s3cret"), userInfo.toString());
        assertFalse(userInfo.toString().contains("alice"), userInfo.toString());
        assertTrue(userInfo.toString().contains(URL), userInfo.toString());

        AvroSerdeConfig inUrl = new AvroSerdeConfig(
                with(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "https://bob:hunter2@registry:8081/sr"));
        assertFalse(inUrl.toString().contains("hunter2"), inUrl.toString());
        assertTrue(inUrl.toString().contains("registry:8081/sr"), inUrl.toString());
        assertFalse(new RestSchemaRegistryClient(inUrl).toString().contains("hunter2"));

        ConfigException e = assertThrows(
                ConfigException.class,
                () -> new AvroSerdeConfig(with(
                        AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "https://bob:hunter2@registry:8081,mock://x")));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void passwordsWithSlashAtColonQuestionMarkHashAndPercentAreNeverPrinted() {
        for (String secret : List.of("ab/cd", "p@ss/w:rd", "50%off", "a?b#c", "x%2Fy", "%")) {
            String url = "https://app:" + secret + "@sr:8081/apis/ccompat/v7";
            assertEquals(
                    "https://[hidden]@sr:8081/apis/ccompat/v7",
                    AvroSerdeConfig.redactUrls(url + ",http://other:8081").split(",")[0],
                    secret);
            AvroSerdeConfig config = new AvroSerdeConfig(with(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url));
            assertFalse(config.toString().contains(secret), config.toString());
            assertTrue(config.toString().contains("sr:8081/apis/ccompat/v7"), config.toString());
            // The exit-2 line is this message.
            ConfigException e = assertThrows(
                    ConfigException.class,
                    () -> new AvroSerdeConfig(with(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url + ",mock://x")));
            assertFalse(e.getMessage().contains(secret), e.getMessage());
            assertTrue(e.getMessage().contains("[hidden]@sr:8081"), e.getMessage());
        }
        assertEquals("app:ab/cd", AvroSerdeConfig.userInfoOf("https://app:ab/cd@sr:8081"));
        assertEquals("https://sr:8081/x", AvroSerdeConfig.withoutUserInfo("https://app:ab/cd@sr:8081/x", ""));
        assertEquals(
                "u:\u00e9/%zz", AvroSerdeConfig.userInfoOf("http://u:%C3%A9%2F%zz@sr"), "UTF-8 escapes; a bare % kept");
        assertNull(AvroSerdeConfig.userInfoOf("https://sr:8081/apis"));
        assertEquals("https://sr:8081/apis", AvroSerdeConfig.redactUrls("https://sr:8081/apis"));
    }

    @Test
    void injectedClientConfigsMayOmitTheUrl() {
        AvroSerdeConfig config =
                AvroSerdeConfig.parseWithoutRequiredUrl(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"));
        assertEquals(List.of(), config.schemaRegistryUrls());
        assertFalse(config.autoRegisterSchemas());
    }
}
