package io.eventpipelines.avro;

import static io.eventpipelines.avro.TestRecords.logEvent;
import static io.eventpipelines.avro.TestRecords.parse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogLevel;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DecodedSerdeTest {

    private static final String IN = "app-logs";
    private static final String OUT = "logs-error";

    private final String scope = "decoded-test-" + UUID.randomUUID();
    private final SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);
    private final AvroSerdes serdes =
            new AvroSerdes(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope), registry);
    private final Serde<Decoded<LogEvent>> decoded = serdes.decoded(LogEvent.class);
    private final Serde<LogEvent> plain = serdes.value(LogEvent.class);

    @AfterEach
    void dropScope() {
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void writesTheBytesReadUnderTheOutputSubjectsSchemaId() {
        // The producer's schema differs from the app's only in a property Avro's encoding ignores: another id,
        // the same Parsing Canonical Form.
        Schema producers = parse(LogEvent.getClassSchema().toString());
        producers.addProp("x-producer", "billing-service");
        int inId = registry.register(IN + "-value", producers);
        // The datum with its first field (the timestamp's varint) one byte longer than needed: valid Avro that only
        // a serializer which reuses the bytes, rather than encoding anew, passes on unchanged.
        byte[] padded = padFirstVarint(TestRecords.framed(
                inId, TestRecords.payload(plain.serializer().serialize(IN, logEvent(LogLevel.ERROR)))));
        assertEquals(logEvent(LogLevel.ERROR), plain.deserializer().deserialize(IN, padded));

        Decoded<LogEvent> read = decoded.deserializer().deserialize(IN, padded);
        byte[] written = decoded.serializer().serialize(OUT, read);

        int outId = registry.getId(OUT + "-value", LogEvent.getClassSchema());
        assertNotEquals(inId, outId);
        assertEquals(outId, WireFormat.schemaId(written), "the output subject's id");
        assertArrayEquals(TestRecords.payload(padded), TestRecords.payload(written), "the Avro body read, unchanged");
        assertFalse(Arrays.equals(written, plain.serializer().serialize(OUT, read.value())), "not encoded anew");
        assertEquals(logEvent(LogLevel.ERROR), plain.deserializer().deserialize(OUT, written));
    }

    @Test
    void encodesAnewWhatAnotherWriterSchemaWrote() {
        Schema newer = parse(TestRecords.LOG_EVENT_WITH_CRITICAL);
        int newerId = registry.register(IN + "-value", newer);
        byte[] wire = TestRecords.framed(
                newerId, TestRecords.encodeGeneric(newer, TestRecords.logEventWithLevel(newer, "CRITICAL")));

        Decoded<LogEvent> read = decoded.deserializer().deserialize(IN, wire);
        byte[] written = decoded.serializer().serialize(OUT, read);

        // CRITICAL is unknown to this app: read as the enum's default, and written with the app's own schema, so
        // the routed topic never carries a symbol its subject's schema lacks.
        assertEquals(LogLevel.UNKNOWN, read.value().getLevel());
        assertArrayEquals(plain.serializer().serialize(OUT, read.value()), written);
    }

    @Test
    void encodesAValueMadeInTheTopology() {
        LogEvent event = logEvent(LogLevel.WARN);
        assertArrayEquals(
                plain.serializer().serialize(OUT, event), decoded.serializer().serialize(OUT, Decoded.of(event)));
    }

    @Test
    void nullStaysNull() {
        assertNull(decoded.deserializer().deserialize(IN, null));
        assertNull(decoded.serializer().serialize(OUT, null));
    }

    /** Rewrites the first varint after the header, e.g. 0x0A as 0x8A 0x00: the same number, one byte longer. */
    private static byte[] padFirstVarint(byte[] framed) {
        int end = WireFormat.HEADER_SIZE;
        while ((framed[end] & 0x80) != 0) {
            end++;
        }
        byte[] padded = new byte[framed.length + 1];
        System.arraycopy(framed, 0, padded, 0, end + 1);
        padded[end] |= (byte) 0x80;
        padded[end + 1] = 0;
        System.arraycopy(framed, end + 1, padded, end + 2, framed.length - end - 1);
        return padded;
    }
}
