package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.InvalidConfigException;
import io.eventpipelines.avro.SpecificAvroSerializer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code produce <scenario> <properties file>}: simulated input at a steady rate, as a Confluent producer would write it. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description =
                "Produce simulated records for one scenario (temperature, thresholds, logs, orders, restocks) to its input "
                        + "topic, registering schemas like a Confluent producer, until --count is reached or Ctrl-C.")
public final class ProduceCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ProduceCommand.class);
    private static final long STOP_CHECK_NANOS = 100_000_000L;

    @Parameters(
            index = "0",
            paramLabel = "<scenario>",
            description = "temperature, thresholds, logs, orders or restocks.",
            converter = SimulationConverter.class)
    Simulation simulation;

    @Parameters(index = "1", paramLabel = "<properties file>", description = "Cluster and registry settings.")
    Path configFile;

    @Option(names = "--rate", defaultValue = "10", description = "Records per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--count", defaultValue = "0", description = "Records to produce; 0 = until stopped (default).")
    long count;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Random seed: the same seed gives the same records (default ${DEFAULT-VALUE}).")
    long seed;

    static final class SimulationConverter implements picocli.CommandLine.ITypeConverter<Simulation> {
        @Override
        public Simulation convert(String value) {
            return Simulation.valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    @Override
    public Integer call() {
        if (!(rate > 0) || count < 0) {
            throw new InvalidConfigException("--rate/--count", "the rate must be > 0 and the count >= 0");
        }
        AppConfig config = AppConfig.load(configFile, System.getenv());
        try (StopSignal signal = new StopSignal("produce-shutdown")) {
            long sent = produce(config, simulation, seed, rate, count, signal::stopping, true);
            log.info(
                    "Produced {} {} records to {}",
                    sent,
                    simulation.name().toLowerCase(Locale.ROOT),
                    simulation.topic());
            return ExitCodes.OK;
        }
    }

    /**
     * Sends {@code count} records (0: until {@code stopped}) at {@code rate} per second, then flushes.
     * A failed send fails the run rather than being skipped, so a count is a count.
     */
    public static long produce(
            AppConfig config,
            Simulation simulation,
            long seed,
            double rate,
            long count,
            BooleanSupplier stopped,
            boolean reportProgress) {
        Map<String, Object> props = new HashMap<>(config.serdeConfig());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "event-pipelines-produce-" + simulation.topic());
        SpecificAvroSerializer<SpecificRecord> values = new SpecificAvroSerializer<>();
        values.configure(props, false);
        Function<Instant, KeyValue<String, ? extends SpecificRecord>> source = simulation.source(seed);
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acknowledged = new AtomicLong();
        long intervalNanos = (long) (1_000_000_000L / rate);
        long sent = 0;
        try (KafkaProducer<String, SpecificRecord> producer =
                new KafkaProducer<>(props, new StringSerializer(), values)) {
            long next = System.nanoTime();
            long lastReport = next;
            while ((count == 0 || sent < count) && !stopped.getAsBoolean() && failure.get() == null) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    // In slices, so that a slow rate (the demo's thresholds: one every 5 s) still stops at once.
                    LockSupport.parkNanos(Math.min(wait, STOP_CHECK_NANOS));
                    continue;
                }
                KeyValue<String, ? extends SpecificRecord> record = source.apply(Instant.now());
                producer.send(new ProducerRecord<>(simulation.topic(), record.key, record.value), (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    } else {
                        acknowledged.incrementAndGet();
                    }
                });
                sent++;
                next += intervalNanos;
                if (reportProgress && System.nanoTime() - lastReport > 10_000_000_000L) {
                    lastReport = System.nanoTime();
                    log.info("{}: {} records sent, {} acknowledged", simulation.topic(), sent, acknowledged.get());
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "Producing to " + simulation.topic() + " failed: " + failure.get(), failure.get());
        }
        return sent;
    }
}
