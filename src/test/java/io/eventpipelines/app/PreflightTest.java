package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.SchemaRegistryException;
import io.eventpipelines.testing.FakeRegistryServer;
import io.eventpipelines.testing.FakeRegistryServer.Response;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The start's registry check against registries that answer every request the same way. */
class PreflightTest {

    private static void check(FakeRegistryServer registry, boolean autoRegister) {
        AppConfig config = AppConfig.of(Map.of(
                "bootstrap.servers", "localhost:9092",
                "schema.registry.url", registry.url(),
                "auto.register.schemas", Boolean.toString(autoRegister),
                "max.retries", "0",
                "pipelines", "temperature"));
        Preflight.schemas(config, new AvroSerdes(config.serdeConfig()).client());
    }

    @Test
    void rejectedCredentialsStopTheStartEvenWhenSchemasAreRegisteredOnTheFly() throws IOException {
        try (FakeRegistryServer registry = FakeRegistryServer.answering(Response.error(401, 40101, "Unauthorized"))) {
            for (boolean autoRegister : new boolean[] {true, false}) {
                SchemaRegistryException e =
                        assertThrows(SchemaRegistryException.class, () -> check(registry, autoRegister));
                assertTrue(e.isAccessDenied(), e::getMessage); // exit code 4
            }
        }
    }

    @Test
    void aRefusedLookupStopsTheStartOnlyWhenTheAppOnlyLooksUp() throws IOException {
        try (FakeRegistryServer registry = FakeRegistryServer.answering(Response.error(403, 40301, "Forbidden"))) {
            // Registering needs the right to register, which the first record will use; not the right to look up.
            assertDoesNotThrow(() -> check(registry, true));
            SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> check(registry, false));
            assertTrue(e.isAccessDenied(), e::getMessage);
        }
    }

    @Test
    void anUnreachableRegistryIsOneClearLineWhenSchemasMustBeThereAndRetriedOtherwise() throws IOException {
        try (FakeRegistryServer registry =
                FakeRegistryServer.answering(Response.error(503, 50301, "Service Unavailable"))) {
            assertDoesNotThrow(() -> check(registry, true));
            StartupCheckException e = assertThrows(StartupCheckException.class, () -> check(registry, false));
            assertTrue(e.getMessage().startsWith("Schema Registry unreachable"), e::getMessage); // exit code 3
        }
    }

    /**
     * Apicurio's root instead of its /apis/ccompat/v7, or a proxy's page: the app must not start and then fail
     * every record. One line naming the URL and what it answered, exit code 3, whether or not it registers schemas.
     */
    @Test
    void aUrlThatIsNotASchemaRegistryApiStopsTheStart() throws IOException {
        for (Response answer : new Response[] {
            new Response(404, "<html><body><h1>Resource not found</h1></body></html>"),
            new Response(200, "<!DOCTYPE html><html><title>Apicurio Registry</title></html>"),
            Response.ok("{\"name\":\"Apicurio Registry\",\"version\":\"3.3.3\"}")
        }) {
            try (FakeRegistryServer registry = FakeRegistryServer.answering(answer)) {
                for (boolean autoRegister : new boolean[] {true, false}) {
                    StartupCheckException e = assertThrows(
                            StartupCheckException.class,
                            () -> check(registry, autoRegister),
                            () -> "starts against a registry answering " + answer);
                    assertTrue(
                            e.getMessage().contains(registry.url())
                                    && e.getMessage().contains("Confluent-compatible"),
                            e::getMessage);
                    assertTrue(e.getMessage().lines().count() == 1, e::getMessage);
                }
            }
        }
    }
}
