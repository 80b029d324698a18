package io.eventpipelines.bench;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.MockSchemaRegistry;
import io.eventpipelines.avro.SchemaRegistryClient;
import io.eventpipelines.logs.LogEvent;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.logs.LogSimulator;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.InventoryUpdate;
import io.eventpipelines.orders.Notification;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.orders.Order;
import io.eventpipelines.orders.OrderSimulator;
import io.eventpipelines.orders.Restock;
import io.eventpipelines.temperature.ReadingSimulator;
import io.eventpipelines.temperature.TemperatureAlert;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.ShutdownHooks;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;

/**
 * End-to-end latency of the four pipelines at steady input rates, and what they cost in CPU meanwhile, on a real
 * broker. A benchmark, not a test: {@code mvn -B -q test-compile exec:exec@latency [-Dlatency.args="..."]}; see
 * {@link #USAGE}.
 *
 * <p><b>Set-up.</b> A single-node KRaft broker runs in a child JVM ({@link BrokerProcess}), and so does the app
 * ({@link LatencyApp}): the four pipelines through {@code PipelineRunner}, built and configured exactly as {@code run}
 * does, with the app's defaults and only the {@code --set} settings on top, so whatever {@link AppConfig} defaults to
 * is what is measured. The app's own JVM keeps its CPU time and resident set apart from this JVM's feeders and
 * consumers. Topics have the app's default partition count ({@code topics.partitions}); the output topics are
 * created with {@code message.timestamp.type=LogAppendTime}. Schemas are in {@code mock://} registries, one per JVM,
 * filled identically ({@link #registerSchemas}).
 *
 * <p><b>Feed.</b> One producer thread per input ({@link Feeder}): temperature readings, log events, and orders with
 * restocks (94% / 6%, as in the e2e benchmark; notifications reads the same orders), each at {@code --rates} records
 * per second, created from the app's simulators when due (evenly spaced) and stamped then: the event's timestamp
 * field and the record's timestamp are its creation time. {@code sensor-thresholds} stays empty, so an alert is
 * exactly a reading above {@code temperature.threshold.celsius} (the simulator's spikes, 2% of readings, and a few
 * drifts), which the feeder counts.
 *
 * <p><b>Latency</b> of an output record = when it became available downstream − its input's creation time, the
 * latter read from the event timestamp the topology copies into the output (alerts' {@code readingTimestamp}; the
 * {@code timestamp} of routed log events, inventory updates and notifications). "Available" depends on the
 * pipeline's guarantee ({@link OutputWatcher}):
 * <ul>
 *   <li>at_least_once outputs (temperature-alerts, logs-*): the record's LogAppendTime, stamped by the broker when
 *   it appended the record, independent of how fast the benchmark reads;
 *   <li>exactly_once_v2 outputs (inventory-updates, notifications): a read_committed consumer sees a record only
 *   once its transaction commits, and LogAppendTime is the record's append, not the commit. The broker keeps no
 *   commit time per record that a client can read (the commit marker's timestamp is not returned to consumers), so
 *   the time is the wall clock when a read_committed consumer in this JVM, on the same machine and clock, received
 *   it, with {@code fetch.max.wait.ms=10}: up to about 10 ms more than the commit itself, plus a fetch round trip on
 *   the loopback and this JVM's scheduling (a GC pause here would show); the LogAppendTime figure of the same records is printed beside it, so
 *   the difference is the wait for the commit.
 * </ul>
 * Only records created within the measured window count, after {@code --warmup-seconds}; the feed stops at the
 * window's end and the outputs are awaited (at most {@value #DRAIN_SECONDS} s): missing ones are reported. The
 * windowed outputs ({@code temperature-stats}, {@code log-error-rates}) are left out: they are emitted once a window
 * closes (its end + grace, by design minutes after its readings), which says nothing about the pipeline's speed.
 *
 * <p><b>Sustained or not.</b> Per rate, each feed's achieved rate in the window and how far it fell behind its
 * schedule, and the app's consumer lag when the window ended (the main consumers' {@code records-lag}, repartition
 * topics included) are reported. If the machine cannot keep up, that is where it shows.
 *
 * <p><b>Cost.</b> CPU time (user + system, from {@code /proc}) of the app's JVM, the broker's and this one during the
 * window, as cores used = CPU seconds ÷ wall seconds, and per record the app read (orders count twice: inventory and
 * notifications each read them). The reference is a Kafka Streams ByteArray pass-through (source → sink,
 * at_least_once, temperature's Streams configuration), in its own JVM after the pipelines' JVM stopped, fed at the
 * same rate with readings and measured the same way. Idle: after the last rate, once the app has caught up, all
 * four pipelines RUNNING and no input for {@code --idle-seconds}. The app's peak resident set (VmHWM) is reported
 * per rate (it only grows). Each fork ({@code --forks}) is all of this with a fresh broker, app and pass-through.
 */
public final class LatencyBenchmark {
    static final String USAGE = """
            usage: mvn -B -q test-compile exec:exec@latency [-Dlatency.args="OPTIONS"]
              --rates LIST         records/s per input (temperature, logs, orders + restocks), default 1000,10000
              --seconds S          measured window per rate, default 60
              --warmup-seconds W   fed but not measured, before each window, default 15
              --idle-seconds I     app idle (RUNNING, no input) after the last rate, default 20
              --forks F            runs the whole benchmark in F JVMs one after the other (each with its own broker
                                   and app), default 3
              --seed S             simulator seed, default 42
              --app-jvm OPTION     a JVM option of the app and the pass-through (repeatable; given once, it replaces
                                   the default %s, what README recommends)
              --set KEY=VALUE      a setting of the app (and the pass-through), as in its properties file (repeatable)
            """.formatted(String.join(" ", LatencyApp.RECOMMENDED_JVM_OPTIONS));
    static final long DRAIN_SECONDS = 60;
    static final double IDLE_TARGET_CORES = 0.02;
    static final double CPU_TARGET_RATIO = 2.0;
    static final int CPU_TARGET_RATE = 1_000;
    static final String PIPELINES_PHASE = "pipelines";
    static final String PASS_THROUGH_PHASE = "pass-through";
    /** Share of restocks among inventory's input, as in the e2e benchmark's pre-load. */
    static final double RESTOCK_SHARE = Preload.RESTOCK_SHARE;

    /** p99 targets in ms: at_least_once outputs, then exactly-once ones, by rate per input. */
    static double targetP99Millis(boolean exactlyOnce, int rate) {
        return switch (rate) {
            case 1_000 -> exactlyOnce ? 200 : 50;
            case 10_000 -> exactlyOnce ? 300 : 100;
            default -> Double.NaN;
        };
    }

    private final Options options;
    private final String scope = "latency-bench-" + ProcessHandle.current().pid();
    private final String applicationIdPrefix = "latency-" + Long.toString(System.currentTimeMillis(), 36);
    private final AtomicReference<Phase> current = new AtomicReference<>();
    private final List<String> results = new ArrayList<>();
    private BrokerProcess broker;
    private Admin admin;
    private AppConfig config;
    private AvroSerdes serdes;

    private LatencyBenchmark(Options options) {
        this.options = options;
    }

    record Options(
            List<Integer> rates,
            int seconds,
            int warmupSeconds,
            int idleSeconds,
            int forks,
            long seed,
            List<String> appJvm,
            Map<String, String> settings,
            Path resultsFile,
            boolean help) {
        static Options parse(List<String> args) {
            List<Integer> rates = List.of(1_000, 10_000);
            int seconds = 60;
            int warmupSeconds = 15;
            int idleSeconds = 20;
            int forks = 3;
            long seed = 42;
            List<String> appJvm = new ArrayList<>();
            Map<String, String> settings = new LinkedHashMap<>();
            Path resultsFile = null;
            boolean help = false;
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "-h", "--help" -> help = true;
                    case "--rates" -> {
                        List<Integer> chosen = new ArrayList<>();
                        for (String rate : value(args, ++i, arg).split(",")) {
                            chosen.add(positive(arg, rate.trim()));
                        }
                        rates = List.copyOf(chosen);
                    }
                    case "--seconds" -> seconds = positive(arg, value(args, ++i, arg));
                    case "--warmup-seconds" -> warmupSeconds = nonNegative(arg, value(args, ++i, arg));
                    case "--idle-seconds" -> idleSeconds = nonNegative(arg, value(args, ++i, arg));
                    case "--forks" -> forks = positive(arg, value(args, ++i, arg));
                    case "--seed" -> seed = number(arg, value(args, ++i, arg));
                    case "--app-jvm" -> {
                        String option = value(args, ++i, arg);
                        if (!option.startsWith("-")) {
                            throw new IllegalArgumentException("--app-jvm: '" + option + "' is not a JVM option");
                        }
                        appJvm.add(option);
                    }
                    // Internal: where a fork writes its results for the JVM that started it.
                    case "--results-file" -> resultsFile = Path.of(value(args, ++i, arg));
                    case "--set" -> {
                        String setting = value(args, ++i, arg);
                        int eq = setting.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--set: '" + setting + "' is not KEY=VALUE");
                        }
                        settings.put(
                                setting.substring(0, eq).trim(),
                                setting.substring(eq + 1).trim());
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            }
            return new Options(
                    rates,
                    seconds,
                    warmupSeconds,
                    idleSeconds,
                    forks,
                    seed,
                    appJvm.isEmpty() ? LatencyApp.RECOMMENDED_JVM_OPTIONS : List.copyOf(appJvm),
                    settings,
                    resultsFile,
                    help);
        }

        private static String value(List<String> args, int i, String option) {
            return Args.value(args, i, option);
        }

        private static long number(String option, String raw) {
            return Args.number(option, raw);
        }

        private static int positive(String option, String raw) {
            return (int) Args.positive(option, raw, 1_000_000);
        }

        private static int nonNegative(String option, String raw) {
            return raw.equals("0") ? 0 : positive(option, raw);
        }
    }

    public static void main(String[] args) {
        List<String> tokens = EndToEndBenchmark.tokens(args);
        EndToEndBenchmark.loadProjectClasses();
        Options options;
        try {
            options = Options.parse(tokens);
        } catch (IllegalArgumentException e) {
            System.err.println("latency: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(USAGE);
            System.exit(0);
        }
        int status;
        try {
            status = options.forks() > 1
                    ? Forks.run("latency", LatencyBenchmark.class, options.forks(), tokens, files -> {
                        List<List<String>> forks = new ArrayList<>();
                        for (Path file : files) {
                            forks.add(Files.readAllLines(file));
                        }
                        System.out.printf(
                                Locale.ROOT,
                                "## All forks: %d × (%d s warm-up + %d s measured) per rate%n",
                                files.size(),
                                options.warmupSeconds(),
                                options.seconds());
                        printReport(forks);
                    })
                    : new LatencyBenchmark(options).run();
        } catch (Throwable t) {
            System.err.println("latency: benchmark failed");
            t.printStackTrace();
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    /**
     * Registers every subject the pipelines use (inputs, outputs, internal topics; as the app's {@code schemas
     * register} would) in name order. Run first in the benchmark JVM and in the app's: {@code mock://} registries
     * number schemas in registration order, so both get the same ids.
     */
    static void registerSchemas(AppConfig config) {
        Map<String, Schema> subjects = new TreeMap<>();
        for (Pipeline pipeline : Pipeline.values()) {
            List.of(pipeline.inputs(), pipeline.outputs(), pipeline.internalTopics(config.applicationIdPrefix()))
                    .forEach(topics -> topics.forEach((topic, type) ->
                            subjects.put(topic + "-value", SpecificData.get().getSchema(type))));
        }
        SchemaRegistryClient client = new AvroSerdes(config.serdeConfig()).client();
        subjects.forEach(client::register);
    }

    private int run() throws Exception {
        String loadAtStart = ProcStatus.loadAverage();
        Path runDir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target").toAbsolutePath()), "latency-bench-");
        Thread cleanup = new Thread(() -> BrokerProcess.deleteQuietly(runDir), "latency-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        List<OutputWatcher> watchers = new ArrayList<>();
        try {
            long t = System.nanoTime();
            broker = BrokerProcess.start(runDir.resolve("broker"), Duration.ofSeconds(120));
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
            config = config(runDir.resolve("state"));
            printHeader(loadAtStart);
            System.out.printf(
                    Locale.ROOT,
                    "broker: pid %d at %s, ready in %.1f s%n",
                    broker.pid(),
                    broker.bootstrapServers(),
                    (System.nanoTime() - t) / 1e9);
            createTopics();
            registerSchemas(config);
            serdes = new AvroSerdes(config.serdeConfig());
            Path properties = runDir.resolve("app.properties");
            writeProperties(properties);

            watchers.add(watcher("appended", false));
            if (!outputTopics(true).isEmpty()) {
                watchers.add(watcher("visible", true));
            }
            for (OutputWatcher watcher : watchers) {
                watcher.start();
            }

            t = System.nanoTime();
            long appPeakRss;
            try (LatencyApp.Handle app = LatencyApp.start(
                    LatencyApp.PIPELINES,
                    options.appJvm(),
                    properties,
                    runDir.resolve("app.log"),
                    Duration.ofSeconds(180))) {
                System.out.printf(
                        Locale.ROOT,
                        "app: pid %d, four pipelines RUNNING in %.1f s (log %s)%n",
                        app.pid(),
                        (System.nanoTime() - t) / 1e9,
                        runDir.resolve("app.log"));
                if (exactlyOnce(Pipeline.INVENTORY)) {
                    OutputWatcher hop = hopWatcher();
                    watchers.add(hop);
                    hop.start();
                }
                for (int rate : options.rates()) {
                    runPhase(PIPELINES_PHASE, rate, app, pipelineSources(), watchers);
                }
                measureIdle(app);
                appPeakRss = app.peakRssBytes().orElse(-1);
            }
            long passThroughPeakRss;
            try (LatencyApp.Handle passThrough = LatencyApp.start(
                    LatencyApp.PASS_THROUGH,
                    options.appJvm(),
                    properties,
                    runDir.resolve("passthrough.log"),
                    Duration.ofSeconds(180))) {
                System.out.printf(Locale.ROOT, "%npass-through: pid %d RUNNING%n", passThrough.pid());
                for (int rate : options.rates()) {
                    runPhase(PASS_THROUGH_PHASE, rate, passThrough, Map.of("readings", passThroughSource()), watchers);
                }
                passThroughPeakRss = passThrough.peakRssBytes().orElse(-1);
            }
            results.add(line(
                    "rss", appPeakRss, passThroughPeakRss, broker.peakRssBytes().orElse(-1)));
            checkDeadLetters();
            for (OutputWatcher watcher : watchers) {
                if (watcher.notLogAppendTime() > 0) {
                    results.add(line("invalid", watcher.notLogAppendTime() + " output records without LogAppendTime"));
                }
            }
            results.add(line("load", "average at start " + loadAtStart + "; at end " + ProcStatus.loadAverage()));
            System.out.println();
            printReport(List.of(results));
            if (options.resultsFile() != null) {
                Files.write(options.resultsFile(), results);
            }
            return results.stream().anyMatch(r -> r.startsWith("invalid\t")) ? 1 : 0;
        } catch (Exception | Error e) {
            if (broker != null) {
                System.err.println("---- last lines of the broker's log");
                System.err.println(broker.logTail(40));
            }
            throw e;
        } finally {
            for (OutputWatcher watcher : watchers) {
                watcher.stop();
            }
            if (admin != null) {
                admin.close(Duration.ofSeconds(10));
            }
            if (broker != null) {
                broker.close();
            }
            BrokerProcess.deleteQuietly(runDir);
            MockSchemaRegistry.dropScope(scope);
            ShutdownHooks.remove(cleanup);
        }
    }

    private AppConfig config(Path stateDir) {
        Map<String, String> values = new HashMap<>(options.settings());
        values.put("bootstrap.servers", broker.bootstrapServers());
        values.put("schema.registry.url", "mock://" + scope);
        values.put("application.id", applicationIdPrefix);
        values.put("state.dir", stateDir.toString());
        return AppConfig.of(values);
    }

    private void writeProperties(Path file) throws IOException {
        Properties properties = new Properties();
        properties.putAll(options.settings());
        properties.put("bootstrap.servers", broker.bootstrapServers());
        properties.put("schema.registry.url", "mock://" + scope);
        properties.put("application.id", applicationIdPrefix);
        properties.put("state.dir", config.serdeConfig().get("state.dir"));
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(out, "latency benchmark: the app's defaults plus these");
        }
    }

    private void printHeader(String loadAtStart) {
        System.out.println(
                "## Latency at steady rates: " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.printf(
                Locale.ROOT,
                "JDK %s, %d cores; load average at start: %s%n",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                loadAtStart);
        System.out.printf(
                Locale.ROOT,
                "rates %s records/s per input (temperature-readings, app-logs, orders + "
                        + "inventory-restocks), %d s warm-up + %d s measured each; %d partitions per topic; seed %d%n",
                options.rates(),
                options.warmupSeconds(),
                options.seconds(),
                config.topicPartitions(),
                options.seed());
        System.out.println(
                "settings beyond the app's defaults: " + (options.settings().isEmpty() ? "none" : options.settings()));
        System.out.printf(Locale.ROOT, "guarantees: %s%n", guarantees());
        System.out.println("app and pass-through: each in its own JVM " + options.appJvm() + "; broker: single-node "
                + "KRaft in its own JVM " + BrokerProcess.JVM_OPTIONS);
        if (options.seconds() < 60 || options.warmupSeconds() < 15) {
            System.out.println("NOTE: shorter than 15 s warm-up + 60 s measured: not for reported figures");
        }
        System.out.println();
    }

    private String guarantees() {
        List<String> parts = new ArrayList<>();
        for (Pipeline pipeline : Pipeline.values()) {
            parts.add(pipeline.id() + " " + guarantee(pipeline));
        }
        return String.join(", ", parts);
    }

    private String guarantee(Pipeline pipeline) {
        return config.streamsProperties(pipeline)
                .getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    }

    private boolean exactlyOnce(Pipeline pipeline) {
        return !guarantee(pipeline).equals(StreamsConfig.AT_LEAST_ONCE);
    }

    /** The measured outputs of the pipelines, in report order, with the pipeline writing each. */
    private static Map<String, Pipeline> measuredOutputs() {
        Map<String, Pipeline> outputs = new LinkedHashMap<>();
        outputs.put(TemperatureTopology.ALERTS_TOPIC, Pipeline.TEMPERATURE);
        LogRoutingTopology.routedTopics().forEach(topic -> outputs.put(topic, Pipeline.LOGS));
        outputs.put(InventoryTopology.UPDATES_TOPIC, Pipeline.INVENTORY);
        outputs.put(NotificationTopology.NOTIFICATIONS_TOPIC, Pipeline.NOTIFICATIONS);
        return outputs;
    }

    /** The measured topics timed by visibility ({@code true}) or by LogAppendTime, the pass-through's among the latter. */
    private List<String> outputTopics(boolean visible) {
        List<String> topics = new ArrayList<>();
        measuredOutputs().forEach((topic, pipeline) -> {
            if (exactlyOnce(pipeline) == visible) {
                topics.add(topic);
            }
        });
        if (!visible) {
            topics.add(LatencyApp.PASS_THROUGH_OUTPUT);
        }
        return topics;
    }

    private OutputWatcher watcher(String name, boolean visible) {
        Map<String, ToLongFunction<ConsumerRecord<byte[], byte[]>>> eventTimes = new HashMap<>();
        for (String topic : outputTopics(visible)) {
            ToLongFunction<byte[]> eventTime = eventTime(topic);
            eventTimes.put(topic, record -> eventTime.applyAsLong(record.value()));
        }
        return new OutputWatcher(name, broker.bootstrapServers(), visible, eventTimes, current::get);
    }

    /**
     * Inventory's first transactional hop, not an output: when its commands became visible on the repartition
     * topic, which splits inventory's latency into its two commits. A repartitioned record keeps its input's
     * timestamp, the creation time. Started once the app created the topic.
     */
    private OutputWatcher hopWatcher() {
        return new OutputWatcher(
                "hop",
                broker.bootstrapServers(),
                true,
                Map.of(inventoryHopTopic(), ConsumerRecord::timestamp),
                current::get);
    }

    private String inventoryHopTopic() {
        return Pipeline.INVENTORY
                .internalTopics(applicationIdPrefix)
                .keySet()
                .iterator()
                .next();
    }

    /** How to read the input's creation time from an output record of {@code topic}: the event timestamp it carries. */
    private ToLongFunction<byte[]> eventTime(String topic) {
        return switch (topic) {
            case TemperatureTopology.ALERTS_TOPIC ->
                millis(TemperatureAlert.class, topic, TemperatureAlert::getReadingTimestamp);
            case InventoryTopology.UPDATES_TOPIC -> millis(InventoryUpdate.class, topic, InventoryUpdate::getTimestamp);
            case NotificationTopology.NOTIFICATIONS_TOPIC ->
                millis(Notification.class, topic, Notification::getTimestamp);
            // The pass-through copies the readings' bytes.
            case LatencyApp.PASS_THROUGH_OUTPUT ->
                millis(TemperatureReading.class, topic, TemperatureReading::getTimestamp);
            default -> millis(LogEvent.class, topic, LogEvent::getTimestamp);
        };
    }

    private <T extends SpecificRecord> ToLongFunction<byte[]> millis(
            Class<T> type, String topic, Function<T, Instant> timestamp) {
        Deserializer<T> deserializer = serdes.value(type).deserializer();
        return value -> timestamp.apply(deserializer.deserialize(topic, value)).toEpochMilli();
    }

    private void createTopics() throws Exception {
        int partitions = config.topicPartitions();
        Map<String, NewTopic> topics = new TreeMap<>();
        for (Pipeline pipeline : Pipeline.values()) {
            for (String topic : pipeline.inputTopics()) {
                topics.put(topic, new NewTopic(topic, partitions, (short) 1));
            }
            for (String topic : pipeline.outputTopics()) {
                topics.put(topic, new NewTopic(topic, partitions, (short) 1));
            }
            pipeline.outputs().keySet().forEach(topic -> topics.get(topic).configs(logAppendTime()));
        }
        topics.get(TemperatureTopology.THRESHOLDS_TOPIC)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        topics.put(LatencyApp.PASS_THROUGH_INPUT, new NewTopic(LatencyApp.PASS_THROUGH_INPUT, partitions, (short) 1));
        topics.put(
                LatencyApp.PASS_THROUGH_OUTPUT,
                new NewTopic(LatencyApp.PASS_THROUGH_OUTPUT, partitions, (short) 1).configs(logAppendTime()));
        admin.createTopics(topics.values()).all().get(60, TimeUnit.SECONDS);
        // Creation is acknowledged before the broker leads the partitions: wait until every leader answers
        // ListOffsets (as the e2e benchmark does), so that no producer starts against a partition without one.
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        topics.keySet().forEach(topic -> {
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
        });
        AtomicReference<Exception> lastRefusal = new AtomicReference<>();
        boolean led = Poll.within(Duration.ofSeconds(60), () -> {
            try {
                admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
                return true;
            } catch (Exception notYet) {
                lastRefusal.set(notYet);
                return false;
            }
        });
        if (!led) {
            throw new IllegalStateException("partitions not led after 60 s", lastRefusal.get());
        }
    }

    private static Map<String, String> logAppendTime() {
        return Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
    }

    /** The pipelines' feeds: readings, log events, and orders with restocks, each from its simulator. */
    private Map<String, Feeder.Source> pipelineSources() {
        StringSerializer keys = new StringSerializer();
        Map<String, Feeder.Source> sources = new LinkedHashMap<>();

        ReadingSimulator readings = new ReadingSimulator(options.seed(), ReadingSimulator.DEFAULT_SENSORS);
        Serializer<TemperatureReading> readingValues =
                serdes.value(TemperatureReading.class).serializer();
        double threshold = config.thresholdCelsius();
        sources.put("readings", (created, expect) -> {
            KeyValue<String, TemperatureReading> kv = readings.next(Instant.ofEpochMilli(created));
            if (kv.value.getCelsius() > threshold) {
                expect.accept(TemperatureTopology.ALERTS_TOPIC);
            }
            String topic = TemperatureTopology.READINGS_TOPIC;
            return new ProducerRecord<>(
                    topic, null, created, keys.serialize(topic, kv.key), readingValues.serialize(topic, kv.value));
        });

        LogSimulator logs = new LogSimulator(options.seed());
        Serializer<LogEvent> logValues = serdes.value(LogEvent.class).serializer();
        sources.put("logs", (created, expect) -> {
            KeyValue<String, LogEvent> kv = logs.next(Instant.ofEpochMilli(created));
            expect.accept(Preload.routeOf(kv.value));
            String topic = LogRoutingTopology.APP_LOGS_TOPIC;
            return new ProducerRecord<>(
                    topic, null, created, keys.serialize(topic, kv.key), logValues.serialize(topic, kv.value));
        });

        OrderSimulator orders = new OrderSimulator(options.seed(), OrderSimulator.DEFAULT_PRODUCTS);
        Random kind = new Random(options.seed() * 31 + 7);
        String hopTopic = inventoryHopTopic();
        Serializer<Order> orderValues = serdes.value(Order.class).serializer();
        Serializer<Restock> restockValues = serdes.value(Restock.class).serializer();
        sources.put("orders+restocks", (created, expect) -> {
            Instant now = Instant.ofEpochMilli(created);
            expect.accept(InventoryTopology.UPDATES_TOPIC);
            if (exactlyOnce(Pipeline.INVENTORY)) {
                expect.accept(hopTopic);
            }
            if (kind.nextDouble() < RESTOCK_SHARE) {
                KeyValue<String, Restock> kv = orders.nextRestock(now);
                String topic = InventoryTopology.RESTOCKS_TOPIC;
                return new ProducerRecord<>(
                        topic, null, created, keys.serialize(topic, kv.key), restockValues.serialize(topic, kv.value));
            }
            expect.accept(NotificationTopology.NOTIFICATIONS_TOPIC);
            KeyValue<String, Order> kv = orders.nextOrder(now);
            String topic = InventoryTopology.ORDERS_TOPIC;
            return new ProducerRecord<>(
                    topic, null, created, keys.serialize(topic, kv.key), orderValues.serialize(topic, kv.value));
        });
        return sources;
    }

    /** The pass-through's feed: readings, as for temperature, into its own input topic. */
    private Feeder.Source passThroughSource() {
        StringSerializer keys = new StringSerializer();
        ReadingSimulator readings = new ReadingSimulator(options.seed(), ReadingSimulator.DEFAULT_SENSORS);
        Serializer<TemperatureReading> values =
                serdes.value(TemperatureReading.class).serializer();
        return (created, expect) -> {
            KeyValue<String, TemperatureReading> kv = readings.next(Instant.ofEpochMilli(created));
            expect.accept(LatencyApp.PASS_THROUGH_OUTPUT);
            String topic = LatencyApp.PASS_THROUGH_INPUT;
            // Serialized for the readings' subject: the same bytes temperature-readings gets.
            return new ProducerRecord<>(
                    topic,
                    null,
                    created,
                    keys.serialize(topic, kv.key),
                    values.serialize(TemperatureTopology.READINGS_TOPIC, kv.value));
        };
    }

    /** One rate: warm-up, measured window, then the outputs of the window awaited. */
    private void runPhase(
            String name,
            int rate,
            LatencyApp.Handle app,
            Map<String, Feeder.Source> sources,
            List<OutputWatcher> watchers)
            throws Exception {
        System.out.printf(
                Locale.ROOT,
                "%n%s at %,d records/s per input: %d s warm-up, %d s measured%n",
                name,
                rate,
                options.warmupSeconds(),
                options.seconds());
        long lagAtStart = awaitCaughtUp(app);
        Map<String, Phase.Output> outputs = new LinkedHashMap<>();
        if (name.equals(PIPELINES_PHASE)) {
            measuredOutputs()
                    .forEach((topic, pipeline) ->
                            outputs.put(topic, new Phase.Output(topic, pipeline.id(), guarantee(pipeline))));
            if (exactlyOnce(Pipeline.INVENTORY)) {
                // Reported under the name Kafka Streams gives it after the application id, the same in every fork.
                outputs.put(
                        inventoryHopTopic(),
                        new Phase.Output(
                                InventoryTopology.COMMANDS_BY_PRODUCT + "-repartition",
                                Pipeline.INVENTORY.id() + ", hop 1 of 2",
                                guarantee(Pipeline.INVENTORY)));
            }
        } else {
            outputs.put(
                    LatencyApp.PASS_THROUGH_OUTPUT,
                    new Phase.Output(LatencyApp.PASS_THROUGH_OUTPUT, PASS_THROUGH_PHASE, StreamsConfig.AT_LEAST_ONCE));
        }
        long warmupStart = System.currentTimeMillis() + 200;
        long windowStart = warmupStart + TimeUnit.SECONDS.toMillis(options.warmupSeconds());
        long windowEnd = windowStart + TimeUnit.SECONDS.toMillis(options.seconds());
        Phase phase = new Phase(name, rate, windowStart, windowEnd, outputs);
        current.set(phase);
        List<Feeder> feeders = new ArrayList<>();
        sources.forEach(
                (input, source) -> feeders.add(new Feeder(input, broker.bootstrapServers(), rate, source, phase)));
        sleepUntil(warmupStart);
        feeders.forEach(Feeder::start);

        sleepUntil(windowStart);
        Map<String, Long> threads0 = app.threadCpuNanos();
        long app0 = app.cpuNanos();
        long broker0 = broker.cpuNanos();
        long self0 = ProcStatus.selfCpuNanos();
        Map<String, ProcStatus.Sched> appSched0 = ProcStatus.sched(app.pid());
        Map<String, ProcStatus.Sched> brokerSched0 = ProcStatus.sched(broker.pid());
        Map<String, ProcStatus.Sched> selfSched0 = ProcStatus.selfSched();
        long wall0 = System.nanoTime();
        sleepUntil(windowEnd);
        long appCpu = app.cpuNanos() - app0;
        long brokerCpu = broker.cpuNanos() - broker0;
        long selfCpu = ProcStatus.selfCpuNanos() - self0;
        ProcStatus.Sched appSched = ProcStatus.between(appSched0, ProcStatus.sched(app.pid()));
        ProcStatus.Sched brokerSched = ProcStatus.between(brokerSched0, ProcStatus.sched(broker.pid()));
        ProcStatus.Sched selfSched = ProcStatus.between(selfSched0, ProcStatus.selfSched());
        double wall = (System.nanoTime() - wall0) / 1e9;
        Map<String, Long> threads1 = app.threadCpuNanos();
        LatencyApp.Lag lagAtEnd = app.lag();
        for (Feeder feeder : feeders) {
            feeder.join();
        }

        // Whatever has not arrived by then is reported missing.
        Poll.within(Duration.ofSeconds(DRAIN_SECONDS), () -> {
            for (OutputWatcher watcher : watchers) {
                if (watcher.failure() != null) {
                    throw new IllegalStateException("watcher failed", watcher.failure());
                }
            }
            return phase.complete();
        });
        current.set(null);

        long read = 0;
        for (Feeder feeder : feeders) {
            read += feeder.sentInWindow();
            results.add(line(
                    "feed",
                    name,
                    rate,
                    feeder.name(),
                    feeder.sentInWindow(),
                    wall,
                    feeder.maxBehindMillis(),
                    feeder.acks().encode()));
        }
        if (name.equals(PIPELINES_PHASE)) {
            // notifications reads the orders inventory reads.
            read += phase.expected(NotificationTopology.NOTIFICATIONS_TOPIC);
        }
        for (Phase.Stats stats : phase.stats()) {
            results.add(line(
                    "latency",
                    name,
                    rate,
                    stats.output.topic(),
                    stats.output.pipeline(),
                    stats.output.guarantee(),
                    stats.expected.sum(),
                    stats.received(),
                    stats.latency().encode(),
                    stats.exactlyOnce() ? stats.appended().encode() : "-"));
        }
        results.add(line(
                "cost",
                name,
                rate,
                wall,
                read,
                appCpu,
                brokerCpu,
                selfCpu,
                app.peakRssBytes().orElse(-1),
                lagAtStart,
                lagAtEnd.records(),
                lagAtEnd.states()));
        results.add(line(
                "cpuwait",
                name,
                rate,
                wall,
                appSched.waitNanos(),
                appSched.slices(),
                brokerSched.waitNanos(),
                brokerSched.slices(),
                selfSched.waitNanos(),
                selfSched.slices()));
        if (!lagAtEnd.allRunning()) {
            results.add(line(
                    "invalid",
                    name + " at " + rate + "/s: not every client RUNNING at the window's end: " + lagAtEnd.states()));
        }
        System.out.printf(
                Locale.ROOT,
                "  done: app lag at the window's end %,d records; outputs %s%n",
                lagAtEnd.records(),
                phase.summary());
        printThreads(threads0, threads1, appCpu, wall);
        System.out.printf(
                Locale.ROOT,
                "  runnable but waiting for a CPU: app %s, broker %s, benchmark JVM %s%n",
                LatencyReport.cpuWait(appSched.waitNanos(), appSched.slices(), wall),
                LatencyReport.cpuWait(brokerSched.waitNanos(), brokerSched.slices(), wall),
                LatencyReport.cpuWait(selfSched.waitNanos(), selfSched.slices(), wall));
    }

    /** Waits (at most a minute) until the app has consumed everything; returns the lag it had when called. */
    private static long awaitCaughtUp(LatencyApp.Handle app) throws InterruptedException {
        long first = app.lag().records();
        // Not caught up within the minute: the window's own lag figure then says so.
        Poll.within(Duration.ofSeconds(60), () -> lagRecords(app) == 0);
        return first;
    }

    private static long lagRecords(LatencyApp.Handle app) {
        try {
            return app.lag().records();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted asking the app for its lag", e);
        }
    }

    private static final Duration IDLE_SETTLE = Duration.ofSeconds(5);

    /** The app with no input: every pipeline RUNNING, after it caught up and settled for {@link #IDLE_SETTLE}. */
    private void measureIdle(LatencyApp.Handle app) throws InterruptedException {
        if (options.idleSeconds() == 0) {
            return;
        }
        long lagAtStart = awaitCaughtUp(app);
        // Timed windows, not waits for a condition: the app has caught up (above); the last commits, metric
        // refreshes and JIT work of the load phase get a fixed settling time, then idle is measured for a fixed time.
        sleepUntil(System.currentTimeMillis() + IDLE_SETTLE.toMillis());
        System.out.printf(Locale.ROOT, "%nidle: %d s, no input%n", options.idleSeconds());
        Map<String, Long> threads0 = app.threadCpuNanos();
        long app0 = app.cpuNanos();
        long broker0 = broker.cpuNanos();
        long wall0 = System.nanoTime();
        sleepUntil(System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(options.idleSeconds()));
        long appCpu = app.cpuNanos() - app0;
        long brokerCpu = broker.cpuNanos() - broker0;
        double wall = (System.nanoTime() - wall0) / 1e9;
        printThreads(threads0, app.threadCpuNanos(), appCpu, wall);
        LatencyApp.Lag lag = app.lag();
        results.add(line("idle", wall, appCpu, brokerCpu, lagAtStart, lag.states()));
        if (!lag.allRunning()) {
            results.add(line("invalid", "idle: not every pipeline RUNNING: " + lag.states()));
        }
    }

    /**
     * Where the app's CPU went during a window: its busiest Java threads (names with the application id prefix and
     * client UUIDs left out, same names summed), and the rest of the process (GC, JIT, other VM threads, and threads
     * that ended meanwhile). Printed per fork, not reported as a figure.
     */
    private void printThreads(
            Map<String, Long> before, Map<String, Long> after, long processCpuNanos, double wallSeconds) {
        Map<String, Long> byName = new HashMap<>();
        long javaThreads = 0;
        for (Map.Entry<String, Long> thread : after.entrySet()) {
            long used = thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
            javaThreads += used;
            String name = thread.getKey()
                    .replace(applicationIdPrefix + "-", "")
                    .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "*");
            byName.merge(name, used, Long::sum);
        }
        List<String> top = byName.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(8)
                .map(e -> String.format(Locale.ROOT, "%s %.3f", e.getKey(), e.getValue() / 1e9 / wallSeconds))
                .toList();
        System.out.printf(
                Locale.ROOT,
                "  app CPU %.3f cores: Java threads %.3f (busiest: %s); GC, JIT and other VM threads %.3f%n",
                processCpuNanos / 1e9 / wallSeconds,
                javaThreads / 1e9 / wallSeconds,
                String.join(", ", top),
                (processCpuNanos - javaThreads) / 1e9 / wallSeconds);
    }

    private void checkDeadLetters() throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (Pipeline pipeline : Pipeline.values()) {
            for (int p = 0; p < config.topicPartitions(); p++) {
                request.put(new TopicPartition(pipeline.deadLetterTopic(), p), OffsetSpec.latest());
            }
        }
        Map<String, Long> byTopic = new TreeMap<>();
        admin.listOffsets(request)
                .all()
                .get(30, TimeUnit.SECONDS)
                .forEach((partition, info) -> byTopic.merge(partition.topic(), info.offset(), Long::sum));
        byTopic.forEach((topic, records) -> {
            if (records > 0) {
                results.add(line("invalid", topic + " holds " + records + " records"));
            }
        });
    }

    private static void sleepUntil(long epochMillis) {
        long wait;
        while ((wait = epochMillis - System.currentTimeMillis()) > 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(wait));
        }
    }

    private static String line(String kind, Object... fields) {
        List<String> parts = new ArrayList<>();
        parts.add(kind);
        for (Object field : fields) {
            parts.add(String.valueOf(field));
        }
        return String.join("\t", parts);
    }

    /** One rate's measured window: what the feeders expect on each output, and what the watchers saw of it. */
    static final class Phase {
        /** @param topic the name it is reported under */
        record Output(String topic, String pipeline, String guarantee) {}

        static final class Stats {
            final Output output;
            final LongAdder expected = new LongAdder();
            private final LatencyHistogram latency = new LatencyHistogram();
            private final LatencyHistogram appended = new LatencyHistogram();

            Stats(Output output) {
                this.output = output;
            }

            boolean exactlyOnce() {
                return !output.guarantee().equals(StreamsConfig.AT_LEAST_ONCE);
            }

            synchronized void record(long latencyMillis, long appendedMillis) {
                latency.record(latencyMillis);
                appended.record(appendedMillis);
            }

            synchronized long received() {
                return latency.count();
            }

            synchronized LatencyHistogram latency() {
                return latency;
            }

            synchronized LatencyHistogram appended() {
                return appended;
            }
        }

        private final String name;
        private final int rate;
        private final long windowStartMs;
        private final long windowEndMs;
        private final Map<String, Stats> stats = new LinkedHashMap<>();

        Phase(String name, int rate, long windowStartMs, long windowEndMs, Map<String, Output> outputs) {
            this.name = name;
            this.rate = rate;
            this.windowStartMs = windowStartMs;
            this.windowEndMs = windowEndMs;
            outputs.forEach((topic, output) -> stats.put(topic, new Stats(output)));
        }

        long windowEndMs() {
            return windowEndMs;
        }

        boolean inWindow(long epochMillis) {
            return epochMillis >= windowStartMs && epochMillis < windowEndMs;
        }

        /** A feeder created a record of the window that should reach {@code topic}. */
        void expect(String topic) {
            stats.get(topic).expected.increment();
        }

        long expected(String topic) {
            return stats.get(topic).expected.sum();
        }

        /** An output record of {@code topic} whose input was created at {@code eventMs}. */
        void record(String topic, long eventMs, long appendMs, long receivedMs) {
            Stats s = stats.get(topic);
            if (s == null || !inWindow(eventMs)) {
                return;
            }
            s.record((s.exactlyOnce() ? receivedMs : appendMs) - eventMs, appendMs - eventMs);
        }

        Iterable<Stats> stats() {
            return stats.values();
        }

        boolean complete() {
            return stats.values().stream().allMatch(s -> s.received() >= s.expected.sum());
        }

        String summary() {
            List<String> parts = new ArrayList<>();
            stats.values().forEach(s -> parts.add(s.output.topic() + " " + s.received() + "/" + s.expected.sum()));
            return String.join(", ", parts);
        }

        @Override
        public String toString() {
            return name + "@" + rate;
        }
    }

    // ---- report: from the result lines of one fork or of several, so a fork and the combined report read alike

    static void printReport(List<List<String>> forks) {
        LatencyReport.print(forks);
    }
}
