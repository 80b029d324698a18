package io.eventpipelines.avro;

import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogLevel;
import io.eventpipelines.temperature.TemperatureReading;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/** Records, schemas and raw Avro encoding shared by the tests. */
final class TestRecords {

    /** TemperatureReading as first published: without {@code location}. */
    static final String TEMPERATURE_V1 = """
            {"type":"record","name":"TemperatureReading","namespace":"io.eventpipelines.temperature",
              "fields":[
                  {"name":"sensorId","type":"string"},
                  {"name":"celsius","type":"double"},
                  {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}}
              ]}""";

    /** A later TemperatureReading with a field the generated class does not know. */
    static final String TEMPERATURE_V3 = """
            {"type":"record","name":"TemperatureReading","namespace":"io.eventpipelines.temperature",
              "fields":[
                  {"name":"sensorId","type":"string"},
                  {"name":"celsius","type":"double"},
                  {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
                  {"name":"location","type":["null","string"],"default":null},
                  {"name":"humidity","type":"double","default":-1.0}
              ]}""";

    /** LogEvent from a newer producer whose LogLevel has a CRITICAL symbol. */
    static final String LOG_EVENT_WITH_CRITICAL = """
            {"type":"record","name":"LogEvent","namespace":"io.eventpipelines.logs",
              "fields":[
                  {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
                  {"name":"level","type":{"type":"enum","name":"LogLevel",
                      "symbols":["TRACE","DEBUG","INFO","WARN","ERROR","CRITICAL","FATAL","UNKNOWN"],
                      "default":"UNKNOWN"},"default":"UNKNOWN"},
                  {"name":"service","type":"string"},
                  {"name":"message","type":"string"},
                  {"name":"host","type":["null","string"],"default":null}
              ]}""";

    private TestRecords() {}

    static Schema parse(String json) {
        return new Schema.Parser().parse(json);
    }

    static TemperatureReading reading() {
        return reading("sensor-1", 21.5, "lab");
    }

    static TemperatureReading reading(String sensorId, double celsius, String location) {
        return TemperatureReading.newBuilder()
                .setSensorId(sensorId)
                .setCelsius(celsius)
                .setTimestamp(Instant.ofEpochMilli(1_700_000_000_123L))
                .setLocation(location)
                .build();
    }

    static LogEvent logEvent(LogLevel level) {
        return LogEvent.newBuilder()
                .setTimestamp(Instant.ofEpochMilli(1_700_000_000_456L))
                .setLevel(level)
                .setService("billing")
                .setMessage("disk almost full")
                .setHost(null)
                .build();
    }

    /**
     * {@link #logEvent} as a newer producer writes it with {@link #LOG_EVENT_WITH_CRITICAL}, at {@code level}
     * (a symbol of that schema, e.g. CRITICAL, which this app does not know).
     */
    static GenericData.Record logEventWithLevel(Schema newer, String level) {
        return new GenericRecordBuilder(newer)
                .set("timestamp", 1_700_000_000_456L)
                .set("level", new GenericData.EnumSymbol(newer.getField("level").schema(), level))
                .set("service", "billing")
                .set("message", "disk almost full")
                .build();
    }

    /** A registry client's settings for {@code url}, with fast retries so that failure paths take milliseconds. */
    static Map<String, Object> registryConfig(String url, Object... keyValues) {
        Map<String, Object> config = new HashMap<>();
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url);
        config.put(AvroSerdeConfig.MAX_RETRIES_CONFIG, 2);
        config.put(AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, 1);
        config.put(AvroSerdeConfig.RETRIES_MAX_WAIT_MS_CONFIG, 4);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    /** Confluent framing around {@code avro}. */
    static byte[] framed(int schemaId, byte[] avro) {
        byte[] framed = Arrays.copyOf(WireFormat.header(schemaId), WireFormat.HEADER_SIZE + avro.length);
        System.arraycopy(avro, 0, framed, WireFormat.HEADER_SIZE, avro.length);
        return framed;
    }

    static byte[] payload(byte[] framed) {
        return Arrays.copyOfRange(framed, WireFormat.HEADER_SIZE, framed.length);
    }

    static int schemaId(byte[] framed) {
        return WireFormat.schemaId(framed);
    }

    /** Plain Avro binary, as written by the generated class's own model. */
    static byte[] encodeSpecific(TemperatureReading reading) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(TemperatureReading.class).write(reading, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] encodeGeneric(Schema schema, GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GenericRecord decodeGeneric(Schema writer, Schema reader, byte[] avro) {
        try {
            return new GenericDatumReader<GenericRecord>(writer, reader)
                    .read(null, DecoderFactory.get().binaryDecoder(avro, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
