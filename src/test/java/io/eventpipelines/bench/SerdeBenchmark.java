package io.eventpipelines.bench;

import io.eventpipelines.avro.MockSchemaRegistry;
import io.eventpipelines.avro.SchemaRegistryClient;
import io.eventpipelines.avro.SpecificAvroDeserializer;
import io.eventpipelines.avro.SpecificAvroSerializer;
import io.eventpipelines.temperature.TemperatureReading;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.openjdk.jmh.Main;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Cost of the Confluent wire format on top of plain Avro: a serialize + deserialize round trip of
 * one TemperatureReading through our serdes with warm caches, against the same round trip with
 * bare SpecificDatumWriter/SpecificDatumReader. Both allocate the same way per operation (a fresh
 * ByteArrayOutputStream, direct encoder and decoder), so the difference is the serdes' own work.
 *
 * <p>Run with {@code mvn -B -q test-compile exec:exec@bench}; extra JMH options go in
 * {@code -Dbench.args="..."}. The defaults below take about 2.5 minutes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 5)
public class SerdeBenchmark {

    private static final String TOPIC = "temperature-readings";

    private final String scope = "serde-benchmark";
    private TemperatureReading reading;
    private SpecificAvroSerializer<TemperatureReading> serializer;
    private SpecificAvroDeserializer<TemperatureReading> deserializer;
    private SpecificDatumWriter<TemperatureReading> plainWriter;
    private SpecificDatumReader<TemperatureReading> plainReader;

    @Setup
    public void setUp() {
        reading = TemperatureReading.newBuilder()
                .setSensorId("sensor-0042")
                .setCelsius(21.75)
                .setTimestamp(Instant.ofEpochMilli(1_700_000_000_123L))
                .setLocation("building-7/floor-3")
                .build();

        SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);
        serializer = new SpecificAvroSerializer<>(registry);
        deserializer = new SpecificAvroDeserializer<>(TemperatureReading.class, registry);
        if (!reading.equals(deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, reading)))) {
            throw new IllegalStateException("serde round trip is broken");
        }

        Schema schema = TemperatureReading.getClassSchema();
        SpecificData model = SpecificData.getForClass(TemperatureReading.class);
        plainWriter = new SpecificDatumWriter<>(schema, model);
        plainReader = new SpecificDatumReader<>(schema, schema, model);
    }

    @TearDown
    public void tearDown() {
        MockSchemaRegistry.dropScope(scope);
    }

    @Benchmark
    public void confluentSerdeRoundTrip(Blackhole blackhole) {
        byte[] bytes = serializer.serialize(TOPIC, reading);
        blackhole.consume(deserializer.deserialize(TOPIC, bytes));
    }

    @Benchmark
    public void plainAvroRoundTrip(Blackhole blackhole) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        plainWriter.write(reading, encoder);
        encoder.flush();
        byte[] bytes = out.toByteArray();
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 0, bytes.length, null);
        blackhole.consume(plainReader.read(null, decoder));
    }

    /**
     * Runs this benchmark through {@link org.openjdk.jmh.Main}. Maven passes {@code bench.args} as
     * one argument (empty when unset), so arguments are split on whitespace here; without an
     * explicit benchmark pattern, only this class runs.
     */
    public static void main(String[] args) throws Exception {
        List<String> jmhArgs = new ArrayList<>();
        for (String arg : args) {
            for (String token : arg.trim().split("\\s+")) {
                if (!token.isEmpty()) {
                    jmhArgs.add(token);
                }
            }
        }
        boolean hasPattern;
        try {
            hasPattern = !new CommandLineOptions(jmhArgs.toArray(String[]::new))
                    .getIncludes()
                    .isEmpty();
        } catch (CommandLineOptionException e) {
            // Left to JMH's Main, which reports bad options with its usage text.
            hasPattern = true;
        }
        if (!hasPattern) {
            jmhArgs.add(0, SerdeBenchmark.class.getSimpleName());
        }
        Main.main(jmhArgs.toArray(String[]::new));
    }
}
