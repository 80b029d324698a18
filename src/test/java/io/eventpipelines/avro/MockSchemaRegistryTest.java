package io.eventpipelines.avro;

import static io.eventpipelines.avro.TestRecords.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.temperature.TemperatureReading;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MockSchemaRegistryTest {

    private final String scope = "mock-test-" + UUID.randomUUID();
    private final SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);
    private final Schema v1 = parse(TestRecords.TEMPERATURE_V1);
    private final Schema v2 = TemperatureReading.getClassSchema();

    @AfterEach
    void dropScope() {
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void idsAreGlobalAndVersionsArePerSubject() {
        assertEquals(1, registry.register("a-value", v1));
        assertEquals(1, registry.register("a-value", parse(TestRecords.TEMPERATURE_V1)), "same schema again, same id");
        assertEquals(1, registry.getLatestSchema("a-value").version(), "re-registering adds no version");
        assertEquals(2, registry.register("a-value", v2));
        assertEquals(
                new RegisteredSchema("a-value", 2, 2, registry.getSchemaById(2)), registry.getLatestSchema("a-value"));

        assertEquals(1, registry.register("b-value", v1), "same schema under another subject keeps its id");
        assertEquals(1, registry.getLatestSchema("b-value").version());
        assertEquals(2, registry.getId("a-value", v2));
        assertEquals(1, registry.getId("a-value", v1));
        assertEquals(v1, registry.getSchemaById(1));
        assertEquals(v2, registry.getSchemaById(2));
    }

    @Test
    void unknownIdSubjectAndSchemaUseConfluentErrorCodes() {
        registry.register("a-value", v1);

        SchemaRegistryException unknownId =
                assertThrows(SchemaRegistryException.class, () -> registry.getSchemaById(99));
        assertEquals(404, unknownId.status());
        assertEquals(40403, unknownId.errorCode());

        SchemaRegistryException unknownSubject =
                assertThrows(SchemaRegistryException.class, () -> registry.getId("nope", v1));
        assertEquals(40401, unknownSubject.errorCode());
        assertEquals("nope", unknownSubject.subject());

        SchemaRegistryException unknownSchema =
                assertThrows(SchemaRegistryException.class, () -> registry.getId("a-value", v2));
        assertEquals(40403, unknownSchema.errorCode());
        assertEquals("a-value", unknownSchema.subject());

        assertEquals(
                40401,
                assertThrows(SchemaRegistryException.class, () -> registry.getLatestSchema("nope"))
                        .errorCode());
    }

    @Test
    void aScopeIsSharedAndDroppingItStartsAfresh() {
        registry.register("a-value", v1);
        assertSame(registry, MockSchemaRegistry.getClientForScope(scope));
        SchemaRegistryClient other = MockSchemaRegistry.getClientForScope(scope + "-other");
        try {
            assertThrows(SchemaRegistryException.class, () -> other.getSchemaById(1));
        } finally {
            MockSchemaRegistry.dropScope(scope + "-other");
        }

        MockSchemaRegistry.dropScope(scope);
        SchemaRegistryClient fresh = MockSchemaRegistry.getClientForScope(scope);
        assertNotSame(registry, fresh);
        assertThrows(SchemaRegistryException.class, () -> fresh.getSchemaById(1));
        assertEquals(1, fresh.register("z-value", v2));
    }

    @Test
    void concurrentRegistrationsGetDistinctIds() throws Exception {
        registry.updateCompatibility("shared", "NONE"); // 200 unrelated record types under one subject
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> ids = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Schema schema = Schema.createRecord("R" + i, null, "test", false, List.of());
                ids.add(pool.submit(() -> registry.register("subject-" + schema.getName(), schema)));
                ids.add(pool.submit(() -> registry.register("shared", schema)));
            }
            Set<Integer> distinct = new HashSet<>();
            for (Future<Integer> id : ids) {
                distinct.add(id.get(30, TimeUnit.SECONDS));
            }
            assertEquals(200, distinct.size());
            assertEquals(200, registry.getLatestSchema("shared").version());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void registrationFollowsTheSubjectsCompatibilityLikeARealRegistry() {
        Schema v1 = new Schema.Parser()
                .parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}");
        Schema addsRequired = new Schema.Parser()
                .parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":["
                        + "{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\"}]}");
        Schema addsDefaulted = new Schema.Parser()
                .parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":["
                        + "{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"int\",\"default\":0}]}");
        registry.register("t-value", v1);

        assertFalse(registry.testCompatibility("t-value", addsRequired).compatible());
        SchemaRegistryException rejected =
                assertThrows(SchemaRegistryException.class, () -> registry.register("t-value", addsRequired));
        assertEquals(409, rejected.errorCode());
        assertTrue(registry.testCompatibility("t-value", addsDefaulted).compatible());
        registry.register("t-value", addsDefaulted);
        assertEquals(2, registry.getLatestSchema("t-value").version());

        registry.updateCompatibility("t-value", "NONE");
        registry.register("t-value", addsRequired);
        assertThrows(SchemaRegistryException.class, () -> registry.updateCompatibility("t-value", "SOMETIMES"));
    }
}
