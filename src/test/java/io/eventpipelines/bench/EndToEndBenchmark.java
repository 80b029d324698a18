package io.eventpipelines.bench;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.MockSchemaRegistry;
import io.eventpipelines.logs.LogLevel;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryStatus;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.InventoryUpdate;
import io.eventpipelines.temperature.TemperatureReading;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.testing.ShutdownHooks;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * End-to-end throughput of the production topologies on a real broker, against a Kafka Streams pass-through
 * (ByteArray in and out, source to sink) over the same input bytes, in one run. A benchmark, not a test: run it
 * with {@code mvn -B -q test-compile exec:exec@e2e [-De2e.args="--records 500000"]}; see {@link #USAGE}.
 *
 * <p>Method. A single-node KRaft broker runs in a JVM of its own ({@link BrokerProcess}); this JVM pre-loads
 * {@code --records} records per pipeline from the app's simulators (fixed seed), serialized beforehand with the
 * app's serde against an in-memory registry ({@code mock://}), into topics of {@code --partitions} partitions.
 * Then one topology at a time runs as its own {@link KafkaStreams} with a fresh application.id, built exactly as
 * {@code run} builds it ({@link Pipeline#buildTopology} with {@link AppConfig#streamsProperties}), in rounds of
 * baseline, temperature, logs, inventory, notifications (which reads inventory's orders, or the same orders alone
 * when inventory does not run): unreported warm-up rounds (JIT, in both JVMs; the broker's internal topics), then
 * {@code --rounds} measured ones; each pipeline's ratio to the baseline is taken within a round, and the median
 * over rounds is reported, so that a machine whose load drifts still gives fair ratios. References with no target
 * run beside them: the Avro pass-through (each reading decoded and encoded again, nothing else), and each
 * pipeline's shape over bytes, with no Avro and no logic (logs: its routing to five topics; inventory: its
 * repartition under exactly_once_v2), which bounds what the pipeline can reach here whatever its code; and
 * notifications under each guarantee forced, whatever the app's default ({@code notifications-alos},
 * {@code notifications-eos}: the same topology and settings, at_least_once and exactly_once_v2), whose ratio within a
 * round is what exactly-once costs it. All of this runs in
 * {@code --forks} JVMs one after the other ({@link Forks}), whose rounds are reported together. A run's time is from
 * {@link KafkaStreams#start()} until
 * every input record has been processed and all of its outputs are durably written and visible to a
 * read_committed consumer:
 * <ul>
 *   <li>processed: the stream threads' {@code process-total} reaches the number of source records (inventory:
 *   twice the input, once from the inputs and once from its repartition topic), and
 *   <li>at_least_once (baseline, temperature, logs, notifications-alos): the output topics' end offsets add up to
 *   the expected number of outputs (exact: non-transactional topics hold one offset per record), i.e. the last
 *   output is visible;
 *   <li>exactly_once_v2 (inventory, notifications-eos): the group's committed offsets equal the end offsets on every
 *   source partition, the repartition topic included; outputs commit in the same transaction as those offsets.
 * </ul>
 * Notifications itself is judged by whichever of the two its configuration gives it.
 * Conditions are checked every {@value #POLL_MS} ms, and the broker only after the processed count is reached.
 * Each output is then checked to hold exactly what the input implies (under exactly_once_v2, by reading it
 * read_committed: notifications, one per order), and every dead-letter topic to be empty.
 * Before each run the JVM is asked for a full GC, so that no run pays for an earlier one's garbage.
 */
public final class EndToEndBenchmark {
    static final String USAGE = """
            usage: mvn -B -q test-compile exec:exec@e2e [-De2e.args="OPTIONS"]
              --records N        records per pipeline input (inventory: orders + restocks; notifications: the
                                 orders among them, 94%), default 500000; reported figures need >= 500000
              --partitions P     partitions of every input and output topic, default 4
              --threads T        num.stream.threads of every run, default 1
              --rounds R         measured rounds, default 5; each runs every topology once, baseline first
                                 (notifications three times: at_least_once, exactly_once_v2, the app's default)
              --warmup-rounds W  unreported rounds before them, default 2
              --forks F          runs the whole benchmark in F JVMs one after the other (each with its own broker)
                                 and reports the ratios of all of them, default 3
              --seed S           simulator seed, default 42
              --pipelines LIST   of temperature,logs,inventory,notifications (default all); the baseline always runs
              --set KEY=VALUE    a setting for every run, as in the app's properties file (repeatable)
            """;
    static final long POLL_MS = 50;
    static final long MIN_REPORTED_RECORDS = 500_000;
    static final String BASELINE = "baseline";
    static final String BASELINE_OUTPUT_TOPIC = "e2e-passthrough";
    static final String AVRO_PASS_THROUGH = "avro-pass-through";
    static final String AVRO_OUTPUT_TOPIC = "e2e-avro-passthrough";
    static final String LOGS_SHAPE = "logs-shape";
    static final String LOGS_SHAPE_TOPIC_PREFIX = "e2e-shape-";
    static final String INVENTORY_SHAPE = "inventory-shape";
    static final String INVENTORY_SHAPE_OUTPUT_TOPIC = "e2e-inventory-shape";
    static final String NOTIFICATIONS_ALOS = "notifications-alos";
    static final String NOTIFICATIONS_EOS = "notifications-eos";
    /**
     * Each pipeline's own reference, run in the same round: what its shape costs with none of its code. The
     * target is a minimum share of the reference's records/s, median over the rounds; notifications has none.
     */
    static final Map<String, String> REFERENCES = Map.of(
            Pipeline.TEMPERATURE.id(),
            AVRO_PASS_THROUGH,
            Pipeline.LOGS.id(),
            LOGS_SHAPE,
            Pipeline.INVENTORY.id(),
            INVENTORY_SHAPE);

    static final double REFERENCE_TARGET = 0.80;
    /**
     * Settings every run gets (baseline included) unless {@code --set} overrides them: configuration a production
     * user would also put in the properties file. Empty: the app's and Kafka's defaults.
     */
    static final Map<String, String> DEFAULT_SETTINGS = Map.of();

    private final Options options;
    private final String scope = "e2e-bench-" + ProcessHandle.current().pid();
    private final List<Result> results = new ArrayList<>();
    private final Map<String, String> details = new LinkedHashMap<>();
    private final List<String> invalid = new ArrayList<>();
    private final String applicationIdPrefix = "e2e-" + Long.toString(System.currentTimeMillis(), 36);
    private BrokerProcess broker;
    private Admin admin;
    private Path stateDir;

    private EndToEndBenchmark(Options options) {
        this.options = options;
    }

    record Options(
            long records,
            int partitions,
            int threads,
            int rounds,
            int warmupRounds,
            long seed,
            List<Pipeline> pipelines,
            Map<String, String> settings,
            int forks,
            Path resultsFile,
            boolean help) {
        static Options parse(List<String> args) {
            long records = 500_000;
            int partitions = 4;
            int threads = 1;
            int rounds = 5;
            // With one, the baseline still ran 1.4-1.6 s in the first three measured rounds and 0.8 s in the last
            // two: both JVMs were still compiling.
            int warmupRounds = 2;
            // One JVM's figures are not another's: the baseline's median moved from 0.8 s to 1.35 s between two
            // runs of the same code, which moved temperature's median ratio from 0.55 to 0.81. What JIT compiles,
            // and how, lasts for a JVM's life, so rounds within one JVM do not vary it; forks do.
            int forks = 3;
            Path resultsFile = null;
            long seed = 42;
            List<Pipeline> pipelines = List.of(Pipeline.values());
            Map<String, String> settings = new LinkedHashMap<>(DEFAULT_SETTINGS);
            boolean help = false;
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "-h", "--help" -> help = true;
                    case "--records" -> records = positive(arg, value(args, ++i, arg));
                    case "--partitions" -> partitions = (int) positive(arg, value(args, ++i, arg));
                    case "--threads" -> threads = (int) positive(arg, value(args, ++i, arg));
                    case "--rounds" -> rounds = (int) positive(arg, value(args, ++i, arg));
                    case "--warmup-rounds" -> {
                        warmupRounds = (int) number(arg, value(args, ++i, arg));
                        if (warmupRounds < 0) {
                            throw new IllegalArgumentException(arg + ": must be >= 0");
                        }
                    }
                    case "--seed" -> seed = number(arg, value(args, ++i, arg));
                    case "--forks" -> forks = (int) positive(arg, value(args, ++i, arg));
                    // Internal: where a fork writes its results for the JVM that started it.
                    case "--results-file" -> resultsFile = Path.of(value(args, ++i, arg));
                    case "--pipelines" -> {
                        List<Pipeline> chosen = new ArrayList<>();
                        for (String id : value(args, ++i, arg).split(",")) {
                            Pipeline pipeline = Pipeline.fromId(id.trim())
                                    .orElseThrow(() -> new IllegalArgumentException(
                                            "--pipelines: '" + id + "' is not one of " + Pipeline.allIds()));
                            if (!chosen.contains(pipeline)) {
                                chosen.add(pipeline);
                            }
                        }
                        pipelines = List.copyOf(chosen);
                    }
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
                    records,
                    partitions,
                    threads,
                    rounds,
                    warmupRounds,
                    seed,
                    pipelines,
                    settings,
                    forks,
                    resultsFile,
                    help);
        }

        private static String value(List<String> args, int i, String option) {
            return Args.value(args, i, option);
        }

        private static long number(String option, String raw) {
            return Args.number(option, raw);
        }

        private static long positive(String option, String raw) {
            return Args.positive(option, raw, Integer.MAX_VALUE);
        }
    }

    /** One measured run. */
    record Result(
            int round,
            String name,
            Pipeline pipeline,
            String guarantee,
            long inputRecords,
            long outputRecords,
            double seconds,
            double secondsToRunning,
            double appCpuSeconds,
            double brokerCpuSeconds,
            long peakHeapBytes) {
        double recordsPerSecond() {
            return inputRecords / seconds;
        }

        /** CPU time of this JVM (all threads) and of the broker's, per input record. */
        double cpuMicrosPerRecord() {
            return (appCpuSeconds + brokerCpuSeconds) * 1e6 / inputRecords;
        }

        Result withOutputs(long outputs) {
            return new Result(
                    round,
                    name,
                    pipeline,
                    guarantee,
                    inputRecords,
                    outputs,
                    seconds,
                    secondsToRunning,
                    appCpuSeconds,
                    brokerCpuSeconds,
                    peakHeapBytes);
        }
    }

    /**
     * Maven passes {@code e2e.args} as one argument (empty when unset): split on whitespace, like
     * {@link SerdeBenchmark#main}.
     */
    public static void main(String[] args) {
        List<String> tokens = tokens(args);
        loadProjectClasses();
        Options options;
        try {
            options = Options.parse(tokens);
        } catch (IllegalArgumentException e) {
            System.err.println("e2e: " + e.getMessage());
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
            status = options.forks() > 1 ? Forks.run(options, tokens) : new EndToEndBenchmark(options).run();
        } catch (Throwable t) {
            System.err.println("e2e: benchmark failed");
            t.printStackTrace();
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    /** The arguments split on whitespace: Maven passes {@code -D<name>.args} as one argument. */
    static List<String> tokens(String[] args) {
        List<String> tokens = new ArrayList<>();
        for (String arg : args) {
            for (String token : arg.trim().split("\\s+")) {
                if (!token.isEmpty()) {
                    tokens.add(token);
                }
            }
        }
        return tokens;
    }

    /**
     * Loads the project's classes (the app's, and the test tree's bench and testing packages) up front: other
     * builds may recompile {@code target/classes} while a run lasts, and a class loaded lazily in the middle of a
     * run could then be missing.
     */
    static void loadProjectClasses() {
        ClassLoader loader = EndToEndBenchmark.class.getClassLoader();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path root = Path.of(entry);
            if (!Files.isDirectory(root)) {
                continue;
            }
            boolean testTree =
                    root.getFileName() != null && root.getFileName().toString().equals("test-classes");
            List<String> names;
            try (Stream<Path> files = Files.walk(root)) {
                names = files.map(file -> root.relativize(file).toString())
                        .filter(file -> file.endsWith(".class"))
                        .map(file -> file.substring(0, file.length() - ".class".length())
                                .replace(File.separatorChar, '.'))
                        .filter(name -> testTree
                                ? name.startsWith("io.eventpipelines.bench.")
                                        || name.startsWith("io.eventpipelines.testing.")
                                : name.startsWith("io.eventpipelines."))
                        .toList();
            } catch (IOException | UncheckedIOException e) {
                continue;
            }
            for (String name : names) {
                try {
                    Class.forName(name, false, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    // being rebuilt right now; it will be loaded on use, as usual
                }
            }
        }
    }

    private int run() throws Exception {
        String loadAtStart = ProcStatus.loadAverage();
        Path runDir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target").toAbsolutePath()), "e2e-bench-");
        Thread cleanup = new Thread(() -> BrokerProcess.deleteQuietly(runDir), "e2e-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        boolean valid;
        try {
            printHeader(loadAtStart);
            long t = System.nanoTime();
            broker = BrokerProcess.start(runDir.resolve("broker"), Duration.ofSeconds(120));
            System.out.printf(
                    Locale.ROOT,
                    "broker: pid %d at %s, ready in %.1f s%n",
                    broker.pid(),
                    broker.bootstrapServers(),
                    (System.nanoTime() - t) / 1e9);
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
            stateDir = runDir.resolve("state");
            createTopics();
            valid = measureAll();
            printReport(loadAtStart);
        } catch (Exception | Error e) {
            if (broker != null) {
                System.err.println("---- last lines of the broker's log");
                System.err.println(broker.logTail(40));
            }
            throw e;
        } finally {
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
        return valid ? 0 : 1;
    }

    private void printHeader(String loadAtStart) {
        System.out.println(
                "## End-to-end throughput: " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.printf(
                Locale.ROOT,
                "JDK %s, %d cores, benchmark JVM max heap %d MiB; load average at start: %s%n",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                loadAtStart);
        System.out.printf(
                Locale.ROOT,
                "%,d records per pipeline input, %d partitions everywhere, num.stream.threads=%d, "
                        + "%d warm-up + %d measured rounds, seed %d%n",
                options.records(),
                options.partitions(),
                options.threads(),
                options.warmupRounds(),
                options.rounds(),
                options.seed());
        System.out.println("settings for every run (baseline included): "
                + (options.settings().isEmpty() ? "none beyond the app's defaults" : options.settings()));
        System.out.println("broker: single-node KRaft in a separate JVM " + BrokerProcess.JVM_OPTIONS);
        System.out.println(
                "registry: mock:// (in-memory, in this JVM): the serde caches schema ids after a topic's first "
                        + "record, so a registry's HTTP round trips are not what is measured");
        if (options.records() < MIN_REPORTED_RECORDS) {
            System.out.printf(
                    Locale.ROOT,
                    "NOTE: fewer than %,d records: start-up dominates; not for reported figures%n",
                    MIN_REPORTED_RECORDS);
        }
        System.out.println();
    }

    private void createTopics() throws Exception {
        List<String> topics =
                new ArrayList<>(List.of(TemperatureTopology.READINGS_TOPIC, BASELINE_OUTPUT_TOPIC, AVRO_OUTPUT_TOPIC));
        for (Pipeline pipeline : options.pipelines()) {
            for (String topic : pipeline.inputTopics()) {
                if (!topics.contains(topic)) {
                    topics.add(topic);
                }
            }
            topics.addAll(pipeline.outputTopics());
        }
        if (options.pipelines().contains(Pipeline.LOGS)) {
            topics.addAll(logsShapeTopics());
        }
        if (options.pipelines().contains(Pipeline.INVENTORY)) {
            topics.add(INVENTORY_SHAPE_OUTPUT_TOPIC);
        }
        admin.createTopics(topics.stream()
                        .map(topic -> new NewTopic(topic, options.partitions(), (short) 1))
                        .toList())
                .all()
                .get(60, TimeUnit.SECONDS);
        // The controller acknowledges the creation before the broker leads the partitions. An idempotent producer
        // whose first batch to a partition meets NOT_LEADER_OR_FOLLOWER while its next batch (max.in.flight 5) is
        // accepted is stuck with OutOfOrderSequenceException until delivery.timeout.ms: so wait until every
        // partition's leader answers ListOffsets, which only the leader does.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                Map<TopicPartition, Long> ends = lastStableOffsets(topics);
                if (ends.size() == topics.size() * options.partitions()) {
                    break;
                }
            } catch (ExecutionException | TimeoutException notYet) {
                // not every topic or leader is known yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("partitions not led after 60 s: " + topics);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
        }
    }

    private boolean measureAll() throws Exception {
        Map<Pipeline, Preload.Counts> inputs = new EnumMap<>(Pipeline.class);
        Preload preload =
                new Preload(broker.bootstrapServers(), new AvroSerdes(config(0).serdeConfig()));
        try {
            // In the enum's order: inventory's orders are loaded before notifications, which then reads them.
            Set<Pipeline> toLoad = EnumSet.copyOf(options.pipelines());
            toLoad.add(Pipeline.TEMPERATURE); // the baseline's input
            for (Pipeline pipeline : toLoad) {
                if (pipeline == Pipeline.NOTIFICATIONS && inputs.containsKey(Pipeline.INVENTORY)) {
                    Preload.Counts counts = Preload.notifications(inputs.get(Pipeline.INVENTORY));
                    inputs.put(pipeline, counts);
                    System.out.printf(
                            Locale.ROOT,
                            "notifications reads inventory's %,d orders; expected outputs %s%n",
                            counts.records(),
                            describe(pipeline, counts));
                    continue;
                }
                Preload.Counts counts = switch (pipeline) {
                    case TEMPERATURE ->
                        preload.temperature(
                                options.records(), options.seed(), config(0).thresholdCelsius());
                    case LOGS -> preload.logs(options.records(), options.seed());
                    case INVENTORY -> preload.inventory(options.records(), options.seed());
                    case NOTIFICATIONS -> preload.notifications(options.records(), options.seed());
                };
                inputs.put(pipeline, counts);
                System.out.printf(
                        Locale.ROOT,
                        "pre-loaded %-13s %,d records in %.1f s (%,.0f records/s); expected outputs %s%n",
                        pipeline.id(),
                        counts.records(),
                        counts.seconds(),
                        counts.recordsPerSecond(),
                        describe(pipeline, counts));
            }
        } finally {
            preload.close();
        }

        boolean valid = true;
        for (int round = 1 - options.warmupRounds(); round <= options.rounds(); round++) {
            System.out.println();
            System.out.println(
                    round <= 0 ? "warm-up round (not reported)" : "round " + round + " of " + options.rounds());
            AppConfig config = config(round);
            valid &= measureBaseline(round, config, inputs.get(Pipeline.TEMPERATURE));
            valid &= measureAvroPassThrough(round, config, inputs.get(Pipeline.TEMPERATURE));
            for (Pipeline pipeline : options.pipelines()) {
                // The pipeline's shape over bytes first: what its topics and guarantee cost with no Avro and no logic.
                if (pipeline == Pipeline.LOGS) {
                    valid &= measureLogsShape(round, config, inputs.get(pipeline));
                }
                if (pipeline == Pipeline.INVENTORY) {
                    valid &= measureInventoryShape(round, config, inputs.get(pipeline));
                }
                // Both guarantees forced, whatever the app's default: exactly-once's cost within the round.
                if (pipeline == Pipeline.NOTIFICATIONS) {
                    valid &= measureWithGuarantee(
                            round,
                            config,
                            pipeline,
                            NOTIFICATIONS_ALOS,
                            StreamsConfig.AT_LEAST_ONCE,
                            inputs.get(pipeline));
                    valid &= measureWithGuarantee(
                            round,
                            config,
                            pipeline,
                            NOTIFICATIONS_EOS,
                            StreamsConfig.EXACTLY_ONCE_V2,
                            inputs.get(pipeline));
                }
                valid &= measurePipeline(
                        round,
                        config,
                        pipeline,
                        pipeline.id(),
                        config.streamsProperties(pipeline),
                        inputs.get(pipeline));
            }
        }
        return valid;
    }

    /** The app's configuration for one round: a fresh application.id prefix, so every run starts a new group. */
    private AppConfig config(int round) {
        Map<String, String> values = new HashMap<>(options.settings());
        values.put("bootstrap.servers", broker.bootstrapServers());
        values.put("schema.registry.url", "mock://" + scope);
        values.put("application.id", applicationIdPrefix + "-r" + (round <= 0 ? "w" + (1 - round) : round));
        values.put("state.dir", stateDir.toString());
        values.put("num.stream.threads", Integer.toString(options.threads()));
        return AppConfig.of(values);
    }

    private static String describe(Pipeline pipeline, Preload.Counts counts) {
        return switch (pipeline) {
            case TEMPERATURE ->
                String.format(
                        Locale.ROOT,
                        "%,d alerts (%.2f%% of readings)",
                        counts.expectedOutputs(),
                        100.0 * counts.expectedOutputs() / counts.records());
            case INVENTORY ->
                String.format(
                        Locale.ROOT,
                        "%,d updates; %,d orders, %,d restocks",
                        counts.expectedOutputs(),
                        counts.byTopic().get(InventoryTopology.ORDERS_TOPIC),
                        counts.byTopic().get(InventoryTopology.RESTOCKS_TOPIC));
            case NOTIFICATIONS ->
                String.format(Locale.ROOT, "%,d notifications, one per order", counts.expectedOutputs());
            default -> String.format(Locale.ROOT, "%,d routed %s", counts.expectedOutputs(), counts.byTopic());
        };
    }

    private boolean measureBaseline(int round, AppConfig config, Preload.Counts readings) throws Exception {
        return measurePassThrough(round, config, readings, BASELINE, BASELINE_OUTPUT_TOPIC, Serdes.ByteArray());
    }

    /**
     * A reference, not a target: the readings decoded and encoded again with the app's serde on their way through,
     * which every Avro pipeline pays at least (logs saves the encoding).
     */
    private boolean measureAvroPassThrough(int round, AppConfig config, Preload.Counts readings) throws Exception {
        AvroSerdes serdes = new AvroSerdes(config.serdeConfig());
        return measurePassThrough(
                round, config, readings, AVRO_PASS_THROUGH, AVRO_OUTPUT_TOPIC, serdes.value(TemperatureReading.class));
    }

    /**
     * A reference run's Streams configuration: {@code pipeline}'s (the same defaults and {@code --set} settings),
     * under an application id of its own.
     */
    private static Properties referenceProperties(AppConfig config, Pipeline pipeline, String name) {
        Properties props = config.streamsProperties(pipeline);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationIdPrefix() + "-" + name);
        return props;
    }

    private static List<String> logsShapeTopics() {
        return LogRoutingTopology.routedTopics().stream()
                .map(topic -> LOGS_SHAPE_TOPIC_PREFIX + topic)
                .toList();
    }

    /**
     * A reference: the logs pipeline's routing with nothing else, over bytes. Each event goes to the e2e copy of
     * the topic its level routes it to, read from the bytes without decoding them (the level is the varint after
     * the timestamp's), so the five topics get the same shares as logs' own.
     */
    private boolean measureLogsShape(int round, AppConfig config, Preload.Counts counts) throws Exception {
        Properties props = referenceProperties(config, Pipeline.LOGS, LOGS_SHAPE);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        List<String> topics = logsShapeTopics();
        builder.stream(
                        LogRoutingTopology.APP_LOGS_TOPIC,
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(LOGS_SHAPE + "-source"))
                .to(
                        (key, value, context) -> topics.get(routeIndex(value)),
                        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(LOGS_SHAPE + "-sink"));
        Topology topology = builder.build(props);
        long n = counts.records();
        Map<TopicPartition, Long> before = lastStableOffsets(topics);
        long beforeSum = sum(before);
        Result result =
                measure(round, LOGS_SHAPE, null, topology, props, n, n, () -> endOffsetSum(topics) - beforeSum >= n);
        Map<String, Long> byTopic = new TreeMap<>();
        lastStableOffsets(topics)
                .forEach((partition, offset) -> byTopic.merge(
                        partition.topic().substring(LOGS_SHAPE_TOPIC_PREFIX.length()),
                        offset - before.get(partition),
                        Long::sum));
        long written = byTopic.values().stream().mapToLong(Long::longValue).sum();
        return record(
                result.withOutputs(written),
                byTopic.equals(counts.byTopic()),
                "routed " + byTopic + ", expected " + counts.byTopic());
    }

    /** The index in {@link #logsShapeTopics()} of the topic logs routes this Confluent-framed LogEvent to. */
    private static int routeIndex(byte[] value) {
        // After the 5-byte header (magic byte, schema id) comes the timestamp, a varint; then the level's symbol
        // index, a zig-zag varint of one byte for any index below 64.
        int i = 5;
        while ((value[i] & 0x80) != 0) {
            i++;
        }
        LogLevel level = LogLevel.values()[(value[i + 1] & 0xff) >>> 1];
        LogRoutingTopology.Route[] routes = LogRoutingTopology.Route.values();
        for (int r = 0; r < routes.length; r++) {
            if (routes[r].levels().contains(level)) {
                return r;
            }
        }
        return routes.length;
    }

    /**
     * A reference: the inventory pipeline's shape with nothing else, over bytes: orders and restocks through one
     * repartition topic to one output, exactly_once_v2.
     */
    private boolean measureInventoryShape(int round, AppConfig config, Preload.Counts counts) throws Exception {
        Properties props = referenceProperties(config, Pipeline.INVENTORY, INVENTORY_SHAPE);
        String applicationId = props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        Consumed<byte[], byte[]> bytes = Consumed.with(Serdes.ByteArray(), Serdes.ByteArray());
        builder.stream(InventoryTopology.ORDERS_TOPIC, bytes.withName(INVENTORY_SHAPE + "-orders"))
                .merge(builder.stream(InventoryTopology.RESTOCKS_TOPIC, bytes.withName(INVENTORY_SHAPE + "-restocks")))
                .repartition(Repartitioned.<byte[], byte[]>as(INVENTORY_SHAPE)
                        .withKeySerde(Serdes.ByteArray())
                        .withValueSerde(Serdes.ByteArray()))
                .to(
                        INVENTORY_SHAPE_OUTPUT_TOPIC,
                        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(INVENTORY_SHAPE + "-sink"));
        Topology topology = builder.build(props);
        List<String> sources = List.of(
                InventoryTopology.ORDERS_TOPIC,
                InventoryTopology.RESTOCKS_TOPIC,
                applicationId + "-" + INVENTORY_SHAPE + "-repartition");
        long n = counts.records();
        Map<TopicPartition, Long> before = lastStableOffsets(List.of(INVENTORY_SHAPE_OUTPUT_TOPIC));
        Result result = measure(
                round, INVENTORY_SHAPE, null, topology, props, n, 2 * n, () -> committedAtEnd(applicationId, sources));
        long[] written = {0};
        readCommitted(before, record -> written[0]++);
        return record(
                result.withOutputs(written[0]), written[0] == n, "wrote " + written[0] + " records, expected " + n);
    }

    private <V> boolean measurePassThrough(
            int round, AppConfig config, Preload.Counts readings, String name, String outputTopic, Serde<V> valueSerde)
            throws Exception {
        // The temperature pipeline's configuration: at_least_once.
        Properties props = referenceProperties(config, Pipeline.TEMPERATURE, name);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        builder.stream(
                        TemperatureTopology.READINGS_TOPIC,
                        Consumed.with(Serdes.ByteArray(), valueSerde).withName(name + "-source"))
                .to(outputTopic, Produced.with(Serdes.ByteArray(), valueSerde).withName(name + "-sink"));
        Topology topology = builder.build(props);
        long n = readings.records();
        long before = endOffsetSum(List.of(outputTopic));
        Result result = measure(
                round, name, null, topology, props, n, n, () -> endOffsetSum(List.of(outputTopic)) - before >= n);
        long written = endOffsetSum(List.of(outputTopic)) - before;
        return record(result.withOutputs(written), written == n, "wrote " + written + " records, expected " + n);
    }

    /**
     * A reference: {@code pipeline}'s topology and settings with {@code guarantee} forced, whatever the app's
     * default for it, under an application id of its own.
     */
    private boolean measureWithGuarantee(
            int round, AppConfig config, Pipeline pipeline, String name, String guarantee, Preload.Counts counts)
            throws Exception {
        Properties props = referenceProperties(config, pipeline, name);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        return measurePipeline(round, config, pipeline, name, props, counts);
    }

    /**
     * Runs {@code pipeline}'s topology, built as {@code run} builds it, with {@code props}: the app's own for the
     * run named after the pipeline, a reference's otherwise (the guarantee does not enter the topology).
     */
    private boolean measurePipeline(
            int round, AppConfig config, Pipeline pipeline, String name, Properties props, Preload.Counts counts)
            throws Exception {
        AvroSerdes serdes = new AvroSerdes(config.serdeConfig());
        Topology topology = pipeline.buildTopology(config, serdes);
        String applicationId = props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        Pipeline targeted = name.equals(pipeline.id()) ? pipeline : null; // a reference has no target
        boolean exactlyOnce = !StreamsConfig.AT_LEAST_ONCE.equals(
                props.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));
        // Per-record outputs, whose exact counts the input implies. The windowed ones (temperature-stats,
        // log-error-rates) are emitted when stream time closes a window, checked at most once a second of wall
        // clock, so how many the last second of input closes depends on timing: they are reported, not awaited
        // (their contents are tested by TemperatureStatsTest, ErrorRateTest and PipelinesIT).
        Set<String> windowOutputs = Set.of(TemperatureTopology.STATS_TOPIC, LogRoutingTopology.ERROR_RATES_TOPIC);
        List<String> outputs = pipeline.outputs().keySet().stream()
                .filter(t -> !windowOutputs.contains(t))
                .toList();
        List<String> windowed = pipeline.outputs().keySet().stream()
                .filter(windowOutputs::contains)
                .toList();
        List<String> sources = new ArrayList<>(pipeline.inputTopics());
        // Named after the application id, which a reference's differs from.
        String appsInternalPrefix = config.applicationIdPrefix() + "-" + pipeline.id();
        pipeline.internalTopics(config.applicationIdPrefix())
                .keySet()
                .forEach(topic -> sources.add(applicationId + topic.substring(appsInternalPrefix.length())));
        long sourceRecords = switch (pipeline) {
            case INVENTORY -> 2 * counts.records();
            // the errors pass a second time, through their repartition topic
            case LOGS -> counts.records() + counts.byTopic().get(LogRoutingTopology.Route.ERROR.topic());
            default -> counts.records();
        };
        long windowedBefore = endOffsetSum(windowed);
        // Past the markers of an earlier exactly-once run on the same topic: its count read up to them.
        Map<TopicPartition, Long> outputsBefore = lastStableOffsets(outputs);
        long outputsBeforeSum = sum(outputsBefore);
        long deadBefore = endOffsetSum(List.of(pipeline.deadLetterTopic()));

        Result result;
        if (exactlyOnce) {
            result = measure(
                    round,
                    name,
                    targeted,
                    topology,
                    props,
                    counts.records(),
                    sourceRecords,
                    () -> committedAtEnd(applicationId, sources));
        } else {
            result = measure(
                    round,
                    name,
                    targeted,
                    topology,
                    props,
                    counts.records(),
                    sourceRecords,
                    () -> endOffsetSum(outputs) - outputsBeforeSum >= counts.expectedOutputs());
        }

        List<String> problems = new ArrayList<>();
        long dead = endOffsetSum(List.of(pipeline.deadLetterTopic())) - deadBefore;
        if (dead != 0) {
            problems.add(dead + " records in " + pipeline.deadLetterTopic());
        }
        long written;
        String detail;
        if (exactlyOnce && pipeline == Pipeline.INVENTORY) {
            Map<InventoryStatus, Long> statuses = readInventoryUpdates(serdes, outputsBefore);
            written = statuses.values().stream().mapToLong(Long::longValue).sum();
            long orders = counts.byTopic().get(InventoryTopology.ORDERS_TOPIC);
            detail = String.format(
                    Locale.ROOT,
                    "%s; %.1f%% of %,d orders reserved (%.1f%% if every record were applied " + "in timestamp order)",
                    statuses,
                    100.0 * statuses.getOrDefault(InventoryStatus.RESERVED, 0L) / orders,
                    orders,
                    100.0 * counts.byTopic().get(Preload.RESERVED_IN_ORDER) / orders);
        } else {
            Map<String, Long> byTopic = new TreeMap<>();
            if (exactlyOnce) {
                // Transactions leave a marker in each partition they wrote, so offsets overcount: read the records.
                readCommitted(outputsBefore, record -> byTopic.merge(record.topic(), 1L, Long::sum));
            } else {
                lastStableOffsets(outputs)
                        .forEach((partition, offset) ->
                                byTopic.merge(partition.topic(), offset - outputsBefore.get(partition), Long::sum));
            }
            written = byTopic.values().stream().mapToLong(Long::longValue).sum();
            if (!byTopic.equals(counts.byTopic())) {
                problems.add("outputs " + byTopic + ", expected " + counts.byTopic());
            }
            detail = byTopic.toString();
        }
        if (written != counts.expectedOutputs()) {
            problems.add(written + " outputs, expected " + counts.expectedOutputs());
        }
        if (!windowed.isEmpty()) {
            detail += String.format(
                    Locale.ROOT,
                    "; %,d window results on %s",
                    endOffsetSum(windowed) - windowedBefore,
                    String.join(", ", windowed));
        }
        details.put(name, detail);
        return record(result.withOutputs(written), problems.isEmpty(), String.join("; ", problems));
    }

    private boolean record(Result result, boolean valid, String problem) {
        results.add(result);
        // With several threads, one may process everything while another still rebalances: the client never
        // reported RUNNING.
        String toRunning = Double.isNaN(result.secondsToRunning())
                ? "done before the client was RUNNING"
                : String.format(Locale.ROOT, "RUNNING after %.2f s", result.secondsToRunning());
        System.out.printf(
                Locale.ROOT,
                "  %-18s %,d records in %5.2f s (%s) = %,8.0f records/s; "
                        + "CPU s: app %4.1f, broker %4.1f; peak heap used %d MiB%n",
                result.name(),
                result.inputRecords(),
                result.seconds(),
                toRunning,
                result.recordsPerSecond(),
                result.appCpuSeconds(),
                result.brokerCpuSeconds(),
                result.peakHeapBytes() >> 20);
        if (!valid) {
            System.out.println("  INVALID: " + problem);
            invalid.add(result.name() + " in round " + result.round() + ": " + problem);
        }
        return valid;
    }

    @FunctionalInterface
    interface Completion {
        boolean done() throws Exception;
    }

    /** Runs one topology from start() until {@code completion}, then closes it and deletes its local state. */
    private Result measure(
            int round,
            String name,
            Pipeline pipeline,
            Topology topology,
            Properties props,
            long inputRecords,
            long sourceRecords,
            Completion completion)
            throws Exception {
        System.gc();
        String guarantee = props.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        KafkaStreams streams = new KafkaStreams(topology, props);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        streams.setUncaughtExceptionHandler(error -> {
            failure.compareAndSet(null, error);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        AtomicLong runningAt = new AtomicLong();
        streams.setStateListener((next, previous) -> {
            if (next == KafkaStreams.State.RUNNING) {
                runningAt.compareAndSet(0, System.nanoTime());
            }
        });
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long peakHeap = 0;
        long timeoutNanos = TimeUnit.SECONDS.toNanos(120 + sourceRecords / 1_000);
        long appCpu = ProcStatus.selfCpuNanos();
        long brokerCpu = broker.cpuNanos();
        long start = System.nanoTime();
        long end;
        try {
            streams.start();
            while (true) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
                peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
                if (failure.get() != null) {
                    throw new IllegalStateException(name + " failed", failure.get());
                }
                KafkaStreams.State state = streams.state();
                if (state == KafkaStreams.State.ERROR
                        || state == KafkaStreams.State.PENDING_ERROR
                        || state == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(name + " stopped: " + state);
                }
                if (processed(streams) >= sourceRecords && completion.done()) {
                    end = System.nanoTime();
                    break;
                }
                if (System.nanoTime() - start > timeoutNanos) {
                    throw new IllegalStateException(
                            name + ": not done after " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s; processed "
                                    + processed(streams) + " of " + sourceRecords + " source records");
                }
            }
            appCpu = ProcStatus.selfCpuNanos() - appCpu;
            brokerCpu = broker.cpuNanos() - brokerCpu;
        } finally {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(60)));
            streams.cleanUp();
        }
        double toRunning = runningAt.get() == 0 ? Double.NaN : (runningAt.get() - start) / 1e9;
        return new Result(
                round,
                name,
                pipeline,
                guarantee,
                inputRecords,
                -1,
                (end - start) / 1e9,
                toRunning,
                appCpu / 1e9,
                brokerCpu / 1e9,
                peakHeap);
    }

    /** Records processed by all stream threads: the sum of the thread-level {@code process-total}. */
    static long processed(KafkaStreams streams) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> metric : streams.metrics().entrySet()) {
            MetricName name = metric.getKey();
            if (name.name().equals("process-total")
                    && name.group().equals("stream-thread-metrics")
                    && metric.getValue().metricValue() instanceof Number value) {
                total += value.doubleValue();
            }
        }
        return (long) total;
    }

    /** Last stable offsets (what a read_committed consumer can read up to) of every partition of {@code topics}. */
    private Map<TopicPartition, Long> lastStableOffsets(Collection<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics)
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .forEach((topic, description) -> description
                        .partitions()
                        .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> offsets = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get(30, TimeUnit.SECONDS)
                .forEach((partition, info) -> offsets.put(partition, info.offset()));
        return offsets;
    }

    /** Sum of the last stable offsets: the number of records in non-transactional topics (never compacted here). */
    private long endOffsetSum(Collection<String> topics) throws Exception {
        return sum(lastStableOffsets(topics));
    }

    private static long sum(Map<?, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    /** True when the group has committed the end offset of every partition of {@code topics}. */
    private boolean committedAtEnd(String groupId, Collection<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        // Committed offsets first: sources finished by then bound what the repartition topic can still receive.
        Map<TopicPartition, Long> ends = lastStableOffsets(topics);
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            if (offset == null || offset.offset() < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Reads inventory-updates from {@code from} to the end, read_committed, counting statuses. */
    private Map<InventoryStatus, Long> readInventoryUpdates(AvroSerdes serdes, Map<TopicPartition, Long> from) {
        Deserializer<InventoryUpdate> deserializer =
                serdes.value(InventoryUpdate.class).deserializer();
        Map<InventoryStatus, Long> statuses = new EnumMap<>(InventoryStatus.class);
        readCommitted(
                from,
                record -> statuses.merge(
                        deserializer.deserialize(record.topic(), record.value()).getStatus(), 1L, Long::sum));
        return statuses;
    }

    /** Hands {@code each} every committed record of {@code from}'s partitions, from those offsets to the end. */
    private void readCommitted(Map<TopicPartition, Long> from, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.copyOf(from.keySet());
            consumer.assign(partitions);
            from.forEach(consumer::seek);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long idleSince = System.nanoTime();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))
                    && System.nanoTime() - idleSince < TimeUnit.SECONDS.toNanos(30)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    each.accept(record);
                    idleSince = System.nanoTime();
                }
            }
        }
    }

    private void printReport(String loadAtStart) throws IOException {
        List<Result> measured = results.stream().filter(r -> r.round() > 0).toList();
        Map<Integer, Double> baselineByRound = new HashMap<>();
        measured.stream()
                .filter(r -> r.name().equals(BASELINE))
                .forEach(r -> baselineByRound.put(r.round(), r.recordsPerSecond()));
        Map<String, List<Result>> byRun = new LinkedHashMap<>();
        measured.forEach(
                r -> byRun.computeIfAbsent(r.name(), name -> new ArrayList<>()).add(r));

        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "### %,d records, %d partitions, num.stream.threads=%d, median of %d rounds (min–max)%n%n",
                options.records(),
                options.partitions(),
                options.threads(),
                options.rounds());
        System.out.println("| run | guarantee | input records | outputs | records/s | × baseline | elapsed s "
                + "(to RUNNING) | CPU µs/record app + broker | CPU × baseline | peak heap used MiB |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Map<Integer, Double> baselineCpuByRound = new HashMap<>();
        measured.stream()
                .filter(r -> r.name().equals(BASELINE))
                .forEach(r -> baselineCpuByRound.put(r.round(), r.cpuMicrosPerRecord()));
        for (List<Result> runs : byRun.values()) {
            Result first = runs.get(0);
            boolean isBaseline = first.name().equals(BASELINE);
            List<Double> rates = runs.stream().map(Result::recordsPerSecond).toList();
            List<Double> ratios = runs.stream()
                    .map(r -> r.recordsPerSecond() / baselineByRound.get(r.round()))
                    .toList();
            List<Double> cpuRatios = runs.stream()
                    .map(r -> r.cpuMicrosPerRecord() / baselineCpuByRound.get(r.round()))
                    .toList();
            double ratio = median(ratios);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %,d | %,d | %,.0f (%,.0f–%,.0f) | %s | %.2f (%.2f) | %.2f + %.2f | %s | %d |%n",
                    first.name(),
                    first.guarantee(),
                    first.inputRecords(),
                    first.outputRecords(),
                    median(rates),
                    min(rates),
                    max(rates),
                    isBaseline ? "1" : String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", ratio, min(ratios), max(ratios)),
                    median(runs.stream().map(Result::seconds).toList()),
                    // A run done before its client was RUNNING has no such time.
                    median(runs.stream()
                            .map(Result::secondsToRunning)
                            .filter(t -> !Double.isNaN(t))
                            .toList()),
                    median(runs.stream()
                            .map(r -> r.appCpuSeconds() * 1e6 / r.inputRecords())
                            .toList()),
                    median(runs.stream()
                            .map(r -> r.brokerCpuSeconds() * 1e6 / r.inputRecords())
                            .toList()),
                    isBaseline ? "1" : String.format(Locale.ROOT, "%.2f", median(cpuRatios)),
                    runs.stream().mapToLong(Result::peakHeapBytes).max().orElse(0) >> 20);
        }
        System.out.println();
        System.out.println(
                "records/s = input records / seconds from KafkaStreams.start() until every input record is processed "
                        + "and every output is visible to a read_committed consumer; × baseline = median over rounds of (pipeline ÷ baseline "
                        + "of the same round). CPU = user + system time of this JVM (all threads, GC and JIT included) and of the broker's "
                        + "JVM during the run; CPU × baseline is the same ratio for CPU per record (lower is cheaper), which other load on "
                        + "the machine disturbs far less than elapsed time.");
        Map<String, List<Map<Integer, Double>>> oneFork = new LinkedHashMap<>();
        byRun.forEach((name, runs) -> oneFork.put(name, List.of(byRound(runs, Result::recordsPerSecond))));
        againstReferences(oneFork).forEach(System.out::println);
        details.forEach((name, detail) -> System.out.println("- " + name + " outputs: " + detail));
        if (byRun.containsKey(NOTIFICATIONS_EOS) && byRun.containsKey(NOTIFICATIONS_ALOS)) {
            List<Result> eos = byRun.get(NOTIFICATIONS_EOS);
            List<Result> alos = byRun.get(NOTIFICATIONS_ALOS);
            System.out.println("- "
                    + exactlyOnceCost(
                            sameRoundRatios(
                                    byRound(eos, Result::recordsPerSecond), byRound(alos, Result::recordsPerSecond)),
                            List.of(),
                            sameRoundRatios(
                                    byRound(eos, Result::cpuMicrosPerRecord),
                                    byRound(alos, Result::cpuMicrosPerRecord))));
        }
        invalid.forEach(problem -> System.out.println("- INVALID " + problem));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.out.printf(
                Locale.ROOT,
                "- this JVM (pre-load producer and every Kafka Streams run; the broker is a separate "
                        + "process): peak RSS (VmHWM) %s MiB; heap: max %d MiB, committed at the end %d MiB, peak used %d MiB "
                        + "(sampled every %d ms)%n",
                ProcStatus.selfKilobytes("VmHWM").stream()
                        .mapToObj(kb -> Long.toString(kb >> 10))
                        .findFirst()
                        .orElse("n/a"),
                Runtime.getRuntime().maxMemory() >> 20,
                memory.getHeapMemoryUsage().getCommitted() >> 20,
                results.stream().mapToLong(Result::peakHeapBytes).max().orElse(0) >> 20,
                POLL_MS);
        System.out.printf(
                Locale.ROOT,
                "- broker JVM: peak RSS (VmHWM) %s MiB%n",
                broker.peakRssBytes().stream()
                        .mapToObj(b -> Long.toString(b >> 20))
                        .findFirst()
                        .orElse("n/a"));
        System.out.println("- load average at start: " + loadAtStart + "; at end: " + ProcStatus.loadAverage());
        if (options.resultsFile() != null) {
            List<String> lines = new ArrayList<>();
            for (Result r : measured) {
                lines.add(Forks.resultLine(
                        r.name(),
                        r.round(),
                        r.recordsPerSecond(),
                        r.recordsPerSecond() / baselineByRound.get(r.round()),
                        r.cpuMicrosPerRecord() / baselineCpuByRound.get(r.round())));
            }
            long appRss = ProcStatus.selfKilobytes("VmHWM").orElse(-1);
            lines.add(Forks.rssLine(
                    appRss < 0 ? -1 : appRss << 10, broker.peakRssBytes().orElse(-1)));
            Files.write(options.resultsFile(), lines);
        }
    }

    /**
     * The table of each pipeline against its reference ({@link #REFERENCES}): pipeline ÷ reference records/s of the
     * same round, median over every round of every fork, and each fork's median.
     * @param ratesByRun records/s by run name, then by fork, then by round
     */
    static List<String> againstReferences(Map<String, List<Map<Integer, Double>>> ratesByRun) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add(
                "| pipeline | its reference | × reference, median of all rounds (min–max) | × reference, median of each fork | target |");
        lines.add("|---|---|---:|---|---|");
        REFERENCES.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            List<Map<Integer, Double>> runs = ratesByRun.get(entry.getKey());
            List<Map<Integer, Double>> references = ratesByRun.get(entry.getValue());
            if (runs == null || references == null) {
                return;
            }
            List<Double> all = new ArrayList<>();
            List<String> perFork = new ArrayList<>();
            for (int fork = 0; fork < Math.min(runs.size(), references.size()); fork++) {
                List<Double> ratios = sameRoundRatios(runs.get(fork), references.get(fork));
                all.addAll(ratios);
                perFork.add(String.format(Locale.ROOT, "%.2f", median(ratios)));
            }
            double ratio = median(all);
            lines.add(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.2f (%.2f–%.2f) | %s | ≥ %.2f %s |",
                    entry.getKey(),
                    entry.getValue(),
                    ratio,
                    min(all),
                    max(all),
                    String.join(", ", perFork),
                    REFERENCE_TARGET,
                    ratio >= REFERENCE_TARGET ? "met" : "**missed**"));
        });
        return lines;
    }

    private static Map<Integer, Double> byRound(List<Result> runs, ToDoubleFunction<Result> value) {
        Map<Integer, Double> byRound = new TreeMap<>();
        runs.forEach(r -> byRound.put(r.round(), value.applyAsDouble(r)));
        return byRound;
    }

    /** {@code runs} ÷ {@code references} of the same round (the keys), for every round both ran. */
    static List<Double> sameRoundRatios(Map<Integer, Double> runs, Map<Integer, Double> references) {
        return runs.entrySet().stream()
                .filter(run -> references.containsKey(run.getKey()))
                .map(run -> run.getValue() / references.get(run.getKey()))
                .toList();
    }

    /**
     * The summary line of what exactly-once costs notifications: {@code ratios} of records/s and {@code cpuRatios}
     * of CPU per record, eos ÷ alos of the same round, over every round; {@code forkMedians} when several forks ran.
     */
    static String exactlyOnceCost(List<Double> ratios, List<Double> forkMedians, List<Double> cpuRatios) {
        String perFork = forkMedians.isEmpty()
                ? ""
                : "; each fork's median "
                        + String.join(
                                ", ",
                                forkMedians.stream()
                                        .map(r -> String.format(Locale.ROOT, "%.2f", r))
                                        .toList());
        return String.format(
                Locale.ROOT,
                "exactly-once's cost to notifications, %s ÷ %s of the same round (median of "
                        + "%d rounds): records/s × %.2f (%.2f–%.2f%s), CPU per record × %.2f",
                NOTIFICATIONS_EOS,
                NOTIFICATIONS_ALOS,
                ratios.size(),
                median(ratios),
                min(ratios),
                max(ratios),
                perFork,
                median(cpuRatios));
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
