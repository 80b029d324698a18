package io.eventpipelines.avro;

import static io.eventpipelines.avro.TestRecords.parse;
import static io.eventpipelines.avro.TestRecords.reading;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogLevel;
import io.eventpipelines.temperature.TemperatureReading;
import java.time.Instant;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Records written with one version of a schema and read with another, through the serdes. */
class SchemaEvolutionTest {

    private static final String TOPIC = "temperature-readings";

    private final String scope = "evolution-test-" + UUID.randomUUID();
    private final SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);
    private final SpecificAvroDeserializer<TemperatureReading> readings =
            new SpecificAvroDeserializer<>(TemperatureReading.class, registry);

    @AfterEach
    void dropScope() {
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void recordFromAnOlderProducerIsReadWithTheNewFieldsDefault() {
        Schema v1 = parse(TestRecords.TEMPERATURE_V1);
        int v1Id = registry.register(TOPIC + "-value", v1);
        GenericRecord old = new GenericRecordBuilder(v1)
                .set("sensorId", "sensor-7")
                .set("celsius", 19.0)
                .set("timestamp", 1_600_000_000_000L)
                .build();

        TemperatureReading read =
                readings.deserialize(TOPIC, TestRecords.framed(v1Id, TestRecords.encodeGeneric(v1, old)));

        assertEquals("sensor-7", read.getSensorId());
        assertEquals(19.0, read.getCelsius());
        assertEquals(Instant.ofEpochMilli(1_600_000_000_000L), read.getTimestamp());
        assertNull(read.getLocation());
    }

    @Test
    void recordFromTheCurrentProducerIsReadableWithTheOlderSchema() {
        byte[] bytes = new SpecificAvroSerializer<TemperatureReading>(registry).serialize(TOPIC, reading());
        Schema writer = registry.getSchemaById(TestRecords.schemaId(bytes));

        GenericRecord asV1 =
                TestRecords.decodeGeneric(writer, parse(TestRecords.TEMPERATURE_V1), TestRecords.payload(bytes));

        assertEquals("sensor-1", asV1.get("sensorId").toString());
        assertEquals(21.5, asV1.get("celsius"));
        assertEquals(1_700_000_000_123L, asV1.get("timestamp"));
        assertNull(asV1.getSchema().getField("location"));
    }

    @Test
    void recordFromANewerProducerSkipsFieldsTheClassDoesNotKnow() {
        Schema v3 = parse(TestRecords.TEMPERATURE_V3);
        int v3Id = registry.register(TOPIC + "-value", v3);
        GenericRecord newer = new GenericRecordBuilder(v3)
                .set("sensorId", "sensor-9")
                .set("celsius", 30.5)
                .set("timestamp", 1_700_000_000_123L)
                .set("location", "roof")
                .set("humidity", 0.4)
                .build();

        TemperatureReading read =
                readings.deserialize(TOPIC, TestRecords.framed(v3Id, TestRecords.encodeGeneric(v3, newer)));

        assertEquals(reading("sensor-9", 30.5, "roof"), read);
    }

    @Test
    void recordsOfBothVersionsOnOneTopicAreEachResolvedWithTheirOwnWriterSchema() {
        Schema v1 = parse(TestRecords.TEMPERATURE_V1);
        int v1Id = registry.register(TOPIC + "-value", v1);
        byte[] current = new SpecificAvroSerializer<TemperatureReading>(registry).serialize(TOPIC, reading());
        byte[] old = TestRecords.framed(
                v1Id,
                TestRecords.encodeGeneric(
                        v1,
                        new GenericRecordBuilder(v1)
                                .set("sensorId", "old")
                                .set("celsius", 1.0)
                                .set("timestamp", 5L)
                                .build()));
        assertNotEquals(v1Id, TestRecords.schemaId(current));

        for (int i = 0; i < 3; i++) {
            assertEquals(reading(), readings.deserialize(TOPIC, current));
            assertEquals("old", readings.deserialize(TOPIC, old).getSensorId());
        }
    }

    @Test
    void unknownEnumSymbolFromANewerProducerBecomesTheEnumDefault() {
        Schema newer = parse(TestRecords.LOG_EVENT_WITH_CRITICAL);
        int id = registry.register("app-logs-value", newer);
        GenericRecord critical = TestRecords.logEventWithLevel(newer, "CRITICAL");
        GenericRecord fatal = TestRecords.logEventWithLevel(newer, "FATAL");
        SpecificAvroDeserializer<LogEvent> logs = new SpecificAvroDeserializer<>(LogEvent.class, registry);

        LogEvent readCritical =
                logs.deserialize("app-logs", TestRecords.framed(id, TestRecords.encodeGeneric(newer, critical)));
        LogEvent readFatal =
                logs.deserialize("app-logs", TestRecords.framed(id, TestRecords.encodeGeneric(newer, fatal)));

        assertEquals(LogLevel.UNKNOWN, readCritical.getLevel());
        assertEquals(TestRecords.logEvent(LogLevel.UNKNOWN), readCritical);
        assertEquals(LogLevel.FATAL, readFatal.getLevel(), "known symbols are matched by name, not position");
    }
}
