package io.eventpipelines.avro;

import static io.eventpipelines.avro.TestRecords.parse;
import static io.eventpipelines.avro.TestRecords.reading;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogLevel;
import io.eventpipelines.temperature.TemperatureReading;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SpecificAvroSerdeTest {

    private static final String TOPIC = "temperature-readings";

    private final String scope = "serde-test-" + UUID.randomUUID();
    private final SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);

    @AfterEach
    void dropScope() {
        MockSchemaRegistry.dropScope(scope);
    }

    private Map<String, Object> mockConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope);
        return config;
    }

    @Test
    void writesConfluentWireFormat() {
        TemperatureReading reading = reading();
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>(registry);

        byte[] bytes = serializer.serialize(TOPIC, reading);

        int id = registry.getId(TOPIC + "-value", TemperatureReading.getClassSchema());
        assertEquals(0, bytes[0], "magic byte");
        assertArrayEquals(
                new byte[] {(byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id},
                new byte[] {bytes[1], bytes[2], bytes[3], bytes[4]},
                "big-endian schema id");
        assertArrayEquals(
                TestRecords.encodeSpecific(reading), TestRecords.payload(bytes), "plain Avro binary after the header");

        SpecificAvroDeserializer<TemperatureReading> deserializer =
                new SpecificAvroDeserializer<>(TemperatureReading.class, registry);
        assertEquals(reading, deserializer.deserialize(TOPIC, bytes));
    }

    @Test
    void schemaIdIsBigEndianForLargeIds() {
        for (int i = 0; i < 300; i++) {
            registry.register("filler-" + i, Schema.createRecord("Filler" + i, null, "test", false, List.of()));
        }
        byte[] bytes = new SpecificAvroSerializer<TemperatureReading>(registry).serialize(TOPIC, reading());
        int id = registry.getId(TOPIC + "-value", TemperatureReading.getClassSchema());
        assertTrue(id > 255);
        assertEquals(id, TestRecords.schemaId(bytes));
        assertEquals(
                reading(),
                new SpecificAvroDeserializer<>(TemperatureReading.class, registry).deserialize(TOPIC, bytes));
    }

    @Test
    void roundTripKeepsLogicalTypesAndNulls() {
        SpecificAvroSerde<TemperatureReading> serde = new SpecificAvroSerde<>(TemperatureReading.class);
        serde.configure(mockConfig(), false);
        TemperatureReading withoutLocation = reading("sensor-2", -3.25, null);

        TemperatureReading back =
                serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, withoutLocation));

        assertEquals(withoutLocation, back);
        assertInstanceOf(Instant.class, back.getTimestamp());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_123L), back.getTimestamp());
        assertNull(back.getLocation());
        assertInstanceOf(String.class, back.getSensorId());
    }

    @Test
    void nullIsATombstoneBothWays() {
        SpecificAvroSerde<TemperatureReading> serde = new SpecificAvroSerde<>(TemperatureReading.class, registry);
        assertNull(serde.serializer().serialize(TOPIC, null));
        assertNull(serde.deserializer().deserialize(TOPIC, null));
        assertNull(serde.deserializer().deserialize(TOPIC, new byte[0]));
    }

    @Test
    void keySerdeUsesKeySubject() {
        SpecificAvroSerde<TemperatureReading> serde = new SpecificAvroSerde<>(TemperatureReading.class, registry);
        serde.configure(mockConfig(), true);

        byte[] bytes = serde.serializer().serialize(TOPIC, reading());

        assertEquals(registry.getLatestSchema(TOPIC + "-key").id(), TestRecords.schemaId(bytes));
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> registry.getLatestSchema(TOPIC + "-value"));
        assertEquals(SchemaRegistryException.SUBJECT_NOT_FOUND, e.errorCode());
    }

    @Test
    void separatelyConfiguredSerializerAndDeserializerShareTheMockScope() {
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>();
        serializer.configure(mockConfig(), false);
        SpecificAvroDeserializer<TemperatureReading> deserializer =
                new SpecificAvroDeserializer<>(TemperatureReading.class);
        deserializer.configure(mockConfig(), false);

        assertEquals(reading(), deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, reading())));
    }

    @Test
    void unconfiguredSerdeSaysSo() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> new SpecificAvroSerializer<TemperatureReading>().serialize(TOPIC, reading()));
        assertTrue(e.getMessage().contains("configure"), e.getMessage());
    }

    @Test
    void sameSchemaOnTwoTopicsGetsTheSameIdUnderTwoSubjects() {
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>(registry);
        byte[] a = serializer.serialize("readings-a", reading());
        byte[] b = serializer.serialize("readings-b", reading());
        assertEquals(TestRecords.schemaId(a), TestRecords.schemaId(b));
        assertEquals(1, registry.getLatestSchema("readings-a-value").version());
        assertEquals(1, registry.getLatestSchema("readings-b-value").version());
    }

    @Test
    void avroSerdesSharesOneClientAcrossSerdes() {
        AvroSerdes serdes = new AvroSerdes(mockConfig());
        Serde<TemperatureReading> readings = serdes.value(TemperatureReading.class);
        Serde<LogEvent> logs = serdes.value(LogEvent.class);

        assertSame(MockSchemaRegistry.getClientForScope(scope), serdes.client());
        assertEquals(
                reading(),
                readings.deserializer().deserialize(TOPIC, readings.serializer().serialize(TOPIC, reading())));
        LogEvent event = TestRecords.logEvent(LogLevel.WARN);
        assertEquals(
                event,
                logs.deserializer().deserialize("app-logs", logs.serializer().serialize("app-logs", event)));
        assertEquals(
                TestRecords.schemaId(readings.serializer().serialize(TOPIC, reading())),
                serdes.client().getLatestSchema(TOPIC + "-value").id());
    }

    @Test
    void avroSerdesRejectsMissingUrl() {
        ConfigException e = assertThrows(ConfigException.class, () -> new AvroSerdes(Map.of()));
        assertTrue(e.getMessage().contains(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG), e.getMessage());
    }

    @Test
    void withoutAutoRegisterAMissingSchemaNamesTheSubject() {
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>(registry);
        Map<String, Object> config = mockConfig();
        config.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        serializer.configure(config, false);

        SerializationException e =
                assertThrows(SerializationException.class, () -> serializer.serialize(TOPIC, reading()));
        assertTrue(e.getMessage().contains("'" + TOPIC + "-value'"), e.getMessage());
        assertTrue(e.getMessage().contains("auto.register.schemas=false"), e.getMessage());
        assertFalse(SchemaRegistryUnavailableException.isCauseOf(e));

        int id = registry.register(TOPIC + "-value", TemperatureReading.getClassSchema());
        assertEquals(id, TestRecords.schemaId(serializer.serialize(TOPIC, reading())));
    }

    @Test
    void useLatestVersionWritesWithTheLatestSchemaAndConvertsByFieldName() {
        Schema v1 = parse(TestRecords.TEMPERATURE_V1);
        int v1Id = registry.register(TOPIC + "-value", v1);
        Map<String, Object> config = mockConfig();
        config.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false);
        config.put(AvroSerdeConfig.USE_LATEST_VERSION, true);
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>();
        serializer.configure(config, false);

        byte[] bytes = serializer.serialize(TOPIC, reading());

        assertEquals(v1Id, TestRecords.schemaId(bytes));
        GenericRecord asV1 = TestRecords.decodeGeneric(v1, v1, TestRecords.payload(bytes));
        assertEquals("sensor-1", asV1.get("sensorId").toString());
        assertEquals(21.5, asV1.get("celsius"));
        assertEquals(1_700_000_000_123L, asV1.get("timestamp"));
        assertNull(asV1.getSchema().getField("location"));
        TemperatureReading readBack =
                new SpecificAvroDeserializer<>(TemperatureReading.class, registry).deserialize(TOPIC, bytes);
        assertEquals(reading("sensor-1", 21.5, null), readBack);
    }

    @Test
    void useLatestVersionWithTheRecordsOwnSchemaWritesTheSameBytes() {
        int id = registry.register(
                TOPIC + "-value",
                parse(TemperatureReading.getClassSchema().toString().replace(",\"avro.java.string\":\"String\"", "")));
        Map<String, Object> config = mockConfig();
        config.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false);
        config.put(AvroSerdeConfig.USE_LATEST_VERSION, true);
        SpecificAvroSerializer<TemperatureReading> latest = new SpecificAvroSerializer<>(registry);
        latest.configure(config, false);

        byte[] bytes = latest.serialize(TOPIC, reading());

        assertEquals(id, TestRecords.schemaId(bytes));
        byte[] autoRegistered = new SpecificAvroSerializer<TemperatureReading>(registry).serialize(TOPIC, reading());
        assertArrayEquals(TestRecords.payload(autoRegistered), TestRecords.payload(bytes));
    }

    @Test
    void useLatestVersionRefusesALatestSchemaThatCannotReadTheRecord() {
        Schema needsUnit = parse("""
                {"type":"record","name":"TemperatureReading","namespace":"io.eventpipelines.temperature",
                  "fields":[{"name":"sensorId","type":"string"},{"name":"unit","type":"string"}]}""");
        registry.register(TOPIC + "-value", needsUnit);
        Map<String, Object> config = mockConfig();
        config.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false);
        config.put(AvroSerdeConfig.USE_LATEST_VERSION, true);
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>(registry);
        serializer.configure(config, false);

        SerializationException e =
                assertThrows(SerializationException.class, () -> serializer.serialize(TOPIC, reading()));
        assertTrue(e.getMessage().contains("'" + TOPIC + "-value'"), e.getMessage());
        assertTrue(e.getMessage().contains("unit"), e.getMessage());
    }

    @Test
    void serializerWrapsAvroErrorsNamingTheTopic() {
        TemperatureReading invalid = new TemperatureReading();
        invalid.setCelsius(1.0);
        invalid.setTimestamp(Instant.EPOCH);

        SerializationException e = assertThrows(
                SerializationException.class,
                () -> new SpecificAvroSerializer<TemperatureReading>(registry).serialize(TOPIC, invalid));
        assertTrue(e.getMessage().contains("'" + TOPIC + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("sensorId"), e.getMessage());
    }

    @Test
    void aRecordThatFailsHalfWrittenLeavesNothingForTheNext() {
        SpecificAvroSerializer<TemperatureReading> serializer = new SpecificAvroSerializer<>(registry);
        byte[] before = serializer.serialize(TOPIC, reading());
        TemperatureReading halfWritable = new TemperatureReading();
        halfWritable.setSensorId("sensor-9");
        halfWritable.setCelsius(99.0); // written before the missing timestamp fails the record

        assertThrows(SerializationException.class, () -> serializer.serialize(TOPIC, halfWritable));
        assertArrayEquals(before, serializer.serialize(TOPIC, reading()));
    }

    @Test
    void serializerRequiresATopic() {
        SerializationException e = assertThrows(
                SerializationException.class,
                () -> new SpecificAvroSerializer<TemperatureReading>(registry).serialize(null, reading()));
        assertTrue(e.getMessage().contains("topic"), e.getMessage());
    }

    @Test
    void sharedSerdeIsThreadSafe() throws Exception {
        SpecificAvroSerde<TemperatureReading> readings = new SpecificAvroSerde<>(TemperatureReading.class, registry);
        SpecificAvroSerde<LogEvent> logs = new SpecificAvroSerde<>(LogEvent.class, registry);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Callable<Integer> work = () -> {
                    int checked = 0;
                    for (int i = 0; i < 2_000; i++) {
                        String topic = "readings-" + (i % 3);
                        TemperatureReading reading =
                                reading("sensor-" + thread + "-" + i, i, i % 2 == 0 ? null : "room-" + i);
                        assertEquals(
                                reading,
                                readings.deserializer()
                                        .deserialize(
                                                topic, readings.serializer().serialize(topic, reading)));
                        LogEvent event = TestRecords.logEvent(LogLevel.values()[i % LogLevel.values().length]);
                        assertEquals(
                                event,
                                logs.deserializer()
                                        .deserialize("logs", logs.serializer().serialize("logs", event)));
                        checked++;
                    }
                    return checked;
                };
                results.add(pool.submit(work));
            }
            for (Future<Integer> result : results) {
                assertEquals(2_000, result.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertNotEquals(
                registry.getLatestSchema("logs-value").id(),
                registry.getLatestSchema("readings-0-value").id());
        assertEquals(1, registry.getLatestSchema("readings-2-value").version());
    }
}
