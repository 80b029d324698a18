package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineRunner;
import io.eventpipelines.app.TopicAdmin;
import io.eventpipelines.avro.SpecificAvroDeserializer;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.InventoryUpdate;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.temperature.TemperatureTopology;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: the whole app on a machine with no Kafka installed. An embedded broker, the in-memory
 * registry, every topic, all four pipelines and the simulators of every input, with a summary read back from the
 * output topics every few seconds, until Ctrl-C.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Run everything locally with no Kafka installed: an embedded broker, an in-memory Schema Registry "
                        + "(mock://demo), all four pipelines and simulated input, printing a live summary until Ctrl-C.")
final class DemoCommand implements Callable<Integer> {
    private static final String APPLICATION_ID = "demo";

    @Option(
            names = "--seconds",
            defaultValue = "0",
            description = "Stop after this many seconds; 0 = until Ctrl-C (default).")
    long seconds;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Random seed of the simulators (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--log-file",
            description = "Where everything logged goes, the console keeping the summary and the app's warnings "
                    + "(default: event-pipelines-demo.log in the temporary directory, replaced at each run).")
    Path logFile;

    @Spec
    CommandSpec spec;

    /** Records per second each simulator produces: lively, yet light on a laptop. */
    private static final Map<Simulation, Double> RATES = new EnumMap<>(Map.of(
            Simulation.TEMPERATURE,
            20.0,
            Simulation.THRESHOLDS,
            0.2,
            Simulation.LOGS,
            40.0,
            Simulation.ORDERS,
            8.0,
            Simulation.RESTOCKS,
            2.0));

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path log =
                logFile != null ? logFile : Path.of(System.getProperty("java.io.tmpdir"), "event-pipelines-demo.log");
        Optional<AutoCloseable> logging = DemoLogging.toFile(log);
        if (logging.isPresent()) {
            out.println("Log: " + log + " (Kafka's start-up chatter and the app's lines; the app's warnings and "
                    + "errors show here as well)");
        }
        try {
            return demo(out);
        } finally {
            if (logging.isPresent()) {
                logging.get().close();
            }
        }
    }

    private int demo(PrintWriter out) throws Exception {
        out.println("Starting an embedded Kafka broker...");
        out.flush();
        Path stateDir = Files.createTempDirectory("event-pipelines-demo-state");
        List<Thread> producers = new ArrayList<>();
        // The state directory goes before the signal is released: once it is, a Ctrl-C'd JVM halts.
        try (StopSignal signal = new StopSignal("demo-shutdown")) {
            try (EmbeddedBroker broker = new EmbeddedBroker()) {
                Map<String, String> settings = new HashMap<>();
                settings.put("bootstrap.servers", broker.bootstrapServers());
                settings.put("schema.registry.url", "mock://demo");
                settings.put("application.id", APPLICATION_ID);
                settings.put("state.dir", stateDir.toString());
                settings.put("replication.factor", "1");
                settings.put("topics.auto.create", "true");
                settings.put("commit.interval.ms", "1000");
                AppConfig config = AppConfig.of(settings);
                try (PipelineRunner runner = new PipelineRunner(config)) {
                    runner.start();
                    for (Simulation simulation : Simulation.values()) {
                        Thread producer = new Thread(
                                () -> ProduceCommand.produce(
                                        config,
                                        simulation,
                                        seed + simulation.ordinal(),
                                        RATES.get(simulation),
                                        0,
                                        signal::stopping,
                                        false),
                                "simulator-" + simulation.topic());
                        producer.setDaemon(true);
                        producer.start();
                        producers.add(producer);
                    }
                    out.printf(
                            "Broker at %s, registry mock://demo. Simulators running; Ctrl-C to stop.%n",
                            broker.bootstrapServers());
                    out.flush();
                    summarize(config, runner, out, signal);
                    signal.stop();
                    for (Thread producer : producers) {
                        producer.join(Duration.ofSeconds(10).toMillis());
                    }
                    out.println("Stopping pipelines and the broker...");
                    out.flush();
                }
            } finally {
                Utils.delete(stateDir.toFile());
            }
        }
        return ExitCodes.OK;
    }

    /** Counts what the pipelines wrote, by reading their output topics as any consumer would. */
    private void summarize(AppConfig config, PipelineRunner runner, PrintWriter out, StopSignal signal) {
        Map<String, Object> props = new HashMap<>(config.adminProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, APPLICATION_ID + "-summary");
        SpecificAvroDeserializer<InventoryUpdate> updates = new SpecificAvroDeserializer<>(InventoryUpdate.class);
        updates.configure(config.serdeConfig(), false);
        List<String> topics = new ArrayList<>(TopicAdmin.topicsOf(List.of(Pipeline.values())));
        Map<String, Long> counts = new TreeMap<>();
        Map<String, Integer> stock = new TreeMap<>();
        Map<String, Long> outcomes = new TreeMap<>();
        long deadline =
                seconds > 0 ? System.nanoTime() + Duration.ofSeconds(seconds).toNanos() : Long.MAX_VALUE;
        long nextReport = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            while (!signal.stopping() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    counts.merge(record.topic(), 1L, Long::sum);
                    if (record.topic().equals(InventoryTopology.UPDATES_TOPIC)) {
                        var update = updates.deserialize(record.topic(), record.value());
                        stock.put(update.getProductId(), update.getStockAfter());
                        outcomes.merge(
                                update.getStatus() + (update.getReason() == null ? "" : " " + update.getReason()),
                                1L,
                                Long::sum);
                    }
                }
                if (System.nanoTime() >= nextReport) {
                    nextReport = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    printSummary(out, runner, counts, stock, outcomes);
                }
            }
        }
        printSummary(out, runner, counts, stock, outcomes);
    }

    private static void printSummary(
            PrintWriter out,
            PipelineRunner runner,
            Map<String, Long> counts,
            Map<String, Integer> stock,
            Map<String, Long> outcomes) {
        long readings = counts.getOrDefault(TemperatureTopology.READINGS_TOPIC, 0L);
        StringBuilder states = new StringBuilder();
        runner.streams()
                .forEach((pipeline, streams) -> states.append(pipeline.id())
                        .append('=')
                        .append(streams.state())
                        .append(' '));
        out.println(
                "---- " + LocalTime.now().withNano(0) + "  " + states.toString().trim());
        out.printf(
                Locale.ROOT,
                "temperature   %6d readings -> %5d alerts (%.1f%%), %d closed one-minute windows of statistics%n",
                readings,
                counts.getOrDefault(TemperatureTopology.ALERTS_TOPIC, 0L),
                readings == 0 ? 0.0 : 100.0 * counts.getOrDefault(TemperatureTopology.ALERTS_TOPIC, 0L) / readings,
                counts.getOrDefault(TemperatureTopology.STATS_TOPIC, 0L));
        StringBuilder logs = new StringBuilder();
        for (String topic : LogRoutingTopology.routedTopics()) {
            logs.append(topic.substring(topic.indexOf('-') + 1))
                    .append(' ')
                    .append(counts.getOrDefault(topic, 0L))
                    .append("  ");
        }
        out.printf(
                Locale.ROOT,
                "logs          %6d events  -> %s; %d error rates per service and minute%n",
                counts.getOrDefault(LogRoutingTopology.APP_LOGS_TOPIC, 0L),
                logs.toString().trim(),
                counts.getOrDefault(LogRoutingTopology.ERROR_RATES_TOPIC, 0L));
        out.printf(
                Locale.ROOT,
                "inventory     %6d orders, %d restocks -> %s%n",
                counts.getOrDefault(InventoryTopology.ORDERS_TOPIC, 0L),
                counts.getOrDefault(InventoryTopology.RESTOCKS_TOPIC, 0L),
                outcomes);
        String lowest = stock.entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .limit(5)
                .map(e -> e.getKey() + "=" + e.getValue())
                .reduce((a, b) -> a + " " + b)
                .orElse("-");
        out.printf(Locale.ROOT, "              lowest stock: %s%n", lowest);
        out.printf(
                Locale.ROOT,
                "notifications %6d sent%n",
                counts.getOrDefault(NotificationTopology.NOTIFICATIONS_TOPIC, 0L));
        long dead = 0;
        for (Pipeline pipeline : Pipeline.values()) {
            dead += counts.getOrDefault(pipeline.deadLetterTopic(), 0L);
        }
        out.printf(Locale.ROOT, "dead letters  %6d%n", dead);
        out.flush();
    }
}
