package io.eventpipelines.avro;

import static io.eventpipelines.avro.TestRecords.reading;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.temperature.TemperatureReading;
import java.util.Arrays;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bytes that are not a readable record must fail as {@link SerializationException} and never look
 * like a registry outage, so pipelines can skip or dead-letter them.
 */
class PoisonRecordTest {

    private static final String TOPIC = "temperature-readings";

    private final String scope = "poison-test-" + UUID.randomUUID();
    private final SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);
    private final SpecificAvroDeserializer<TemperatureReading> deserializer =
            new SpecificAvroDeserializer<>(TemperatureReading.class, registry);
    private final byte[] valid = new SpecificAvroSerializer<TemperatureReading>(registry).serialize(TOPIC, reading());

    @AfterEach
    void dropScope() {
        MockSchemaRegistry.dropScope(scope);
    }

    private SerializationException poison(byte[] bytes) {
        SerializationException e =
                assertThrows(SerializationException.class, () -> deserializer.deserialize(TOPIC, bytes));
        assertFalse(SchemaRegistryUnavailableException.isCauseOf(e), "a bad record is not a registry outage");
        assertTrue(e.getMessage().contains(TOPIC), e.getMessage());
        return e;
    }

    @Test
    void nullAndEmptyAreNull() {
        assertNull(deserializer.deserialize(TOPIC, null));
        assertNull(deserializer.deserialize(TOPIC, new byte[0]));
    }

    @Test
    void wrongMagicByte() {
        byte[] bytes = valid.clone();
        bytes[0] = 0x7b;
        SerializationException e = poison(bytes);
        assertTrue(e.getMessage().contains("Unknown magic byte 0x7b"), e.getMessage());
    }

    @Test
    void tooShortForTheHeader() {
        SerializationException e = poison(new byte[] {0, 0, 0});
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
    }

    @Test
    void unknownSchemaId() {
        byte[] bytes = TestRecords.framed(4242, TestRecords.payload(valid));
        SerializationException e = poison(bytes);
        assertTrue(e.getMessage().contains("4242"), e.getMessage());
        assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, ((SchemaRegistryException) e.getCause()).errorCode());
    }

    @Test
    void truncatedAvro() {
        SerializationException e = poison(Arrays.copyOf(valid, valid.length - 3));
        assertTrue(e.getMessage().contains("schema id"), e.getMessage());
    }

    @Test
    void headerWithoutAnyAvro() {
        poison(Arrays.copyOf(valid, WireFormat.HEADER_SIZE));
    }

    @Test
    void trailingGarbage() {
        byte[] bytes = Arrays.copyOf(valid, valid.length + 2);
        SerializationException e = poison(bytes);
        assertTrue(e.getMessage().contains("after the end of the record"), e.getMessage());
    }

    @Test
    void corruptAvro() {
        byte[] bytes = valid.clone();
        // The first field is a string: a zig-zag varint length. 0x01 decodes to -1.
        bytes[WireFormat.HEADER_SIZE] = 0x01;
        poison(bytes);
    }

    @Test
    void aPoisonRecordDoesNotBreakTheNextOne() {
        poison(TestRecords.framed(4242, TestRecords.payload(valid)));
        poison(Arrays.copyOf(valid, valid.length - 1));
        assertEquals(reading(), deserializer.deserialize(TOPIC, valid));
    }
}
