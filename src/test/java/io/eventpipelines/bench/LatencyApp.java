package io.eventpipelines.bench;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineRunner;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.ShutdownHooks;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The measured app of {@link LatencyBenchmark}, in a JVM of its own, so that its CPU time and resident set are the
 * app's alone (the benchmark's producers and consumers run in the benchmark's JVM). Two modes:
 * <ul>
 *   <li>{@code pipelines <properties>}: the four pipelines through {@link PipelineRunner}, exactly as {@code run}
 *   starts them (preflight, {@link Pipeline#buildTopology}, {@link AppConfig#streamsProperties});
 *   <li>{@code passthrough <properties>}: the reference, ByteArray source to sink under at_least_once, with
 *   temperature's Streams configuration (the app's defaults and {@code --set} settings) and its own application id.
 * </ul>
 * Before starting, the child registers the same schemas in the same order as the benchmark JVM
 * ({@link LatencyBenchmark#registerSchemas}): {@code mock://} registries live in one JVM each and number schemas in
 * registration order, so the ids the feeders write are the ids the app looks up.
 *
 * <p>It talks over its standard streams: it prints {@code @running} once every Kafka Streams client is RUNNING,
 * answers {@code lag} with {@code @lag <records> <states>} (the main consumers' {@code records-lag} summed over
 * their partitions: how far the app's positions are behind the end of its inputs, repartition topics included, as
 * of each consumer's last fetch; unlike committed offsets, it does not wait for the next commit), answers
 * {@code threads} with {@code @threads} and each live Java thread's CPU time so far (for where the CPU goes), and closes on
 * {@code stop} or end of input (the benchmark JVM died). Every other line it prints is its log.
 */
final class LatencyApp {
    static final String PIPELINES = "pipelines";
    static final String PASS_THROUGH = "passthrough";
    static final String PASS_THROUGH_INPUT = "latency-passthrough-in";
    static final String PASS_THROUGH_OUTPUT = "latency-passthrough-out";
    /** The JVM options README recommends for all four pipelines in one JVM (see its Memory section). */
    static final List<String> RECOMMENDED_JVM_OPTIONS =
            List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");

    private LatencyApp() {}

    /** The benchmark JVM's side of one child. */
    static final class Handle implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        private final PrintWriter commands;
        private final Thread shutdownHook;

        private Handle(Process process, Path log, Thread shutdownHook) {
            this.process = process;
            this.log = log;
            this.shutdownHook = shutdownHook;
            this.commands =
                    new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
            Thread reader = new Thread(this::readOutput, "latency-app-output");
            reader.setDaemon(true);
            reader.start();
        }

        long pid() {
            return process.pid();
        }

        long cpuNanos() {
            return ProcStatus.cpuNanos(process.pid());
        }

        /** Peak resident set (VmHWM) since the child started, in bytes. */
        OptionalLong peakRssBytes() {
            return ProcStatus.kilobytes(process.pid(), "VmHWM").stream()
                    .map(kb -> kb * 1024)
                    .findFirst();
        }

        /** The main consumers' lag now, and the clients' states. */
        Lag lag() throws InterruptedException {
            replies.clear();
            commands.println("lag");
            String reply = await("@lag", Duration.ofSeconds(10));
            String[] fields = reply.split(" ");
            return new Lag(Long.parseLong(fields[1]), fields.length > 2 ? fields[2] : "");
        }

        /** CPU nanoseconds so far of each live Java thread, by name (GC, JIT and other VM threads are not Java threads). */
        Map<String, Long> threadCpuNanos() throws InterruptedException {
            replies.clear();
            commands.println("threads");
            String reply = await("@threads", Duration.ofSeconds(10));
            Map<String, Long> threads = new HashMap<>();
            for (String entry : reply.substring("@threads".length()).split("\t")) {
                int eq = entry.indexOf('=');
                if (eq > 0) {
                    threads.merge(entry.substring(eq + 1), Long.parseLong(entry.substring(0, eq)), Long::sum);
                }
            }
            return threads;
        }

        String logTail(int lines) {
            try {
                List<String> all = Files.readAllLines(log);
                return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
            } catch (IOException | RuntimeException e) {
                return "(no log: " + e + ")";
            }
        }

        private String await(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                String line = replies.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
                if (line != null && line.startsWith("@failed")) {
                    throw new IllegalStateException("app " + line + "\n" + logTail(40));
                }
                if (line == null && !process.isAlive()) {
                    throw new IllegalStateException("app exited with " + process.exitValue() + ":\n" + logTail(40));
                }
            }
            throw new IllegalStateException("app: no " + prefix + " within " + timeout + ":\n" + logTail(40));
        }

        private void readOutput() {
            try (BufferedReader out = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("@")) {
                        replies.add(line);
                    }
                    file.write(line);
                    file.write('\n');
                    file.flush();
                }
            } catch (IOException e) {
                // the child is gone
            }
        }

        @Override
        public void close() {
            commands.println("stop");
            commands.close();
            BrokerProcess.awaitExit(process);
            ShutdownHooks.remove(shutdownHook);
        }
    }

    record Lag(long records, String states) {
        boolean allRunning() {
            return Stream.of(states.split(",")).allMatch(state -> state.endsWith("=RUNNING"));
        }
    }

    /** Starts a child in {@code mode} on {@code properties}, logging to {@code log}; returns once it is RUNNING. */
    static Handle start(String mode, List<String> jvmOptions, Path properties, Path log, Duration timeout)
            throws IOException, InterruptedException {
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
        Path tmp = Files.createDirectories(log.resolveSibling(mode + "-tmp"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        // RocksDB unpacks its native library into java.io.tmpdir: keep it with the run's files.
        command.add("-Djava.io.tmpdir=" + tmp);
        // The app's own logging (the test classpath's logback-test.xml would win otherwise).
        URL logback = LatencyApp.class.getClassLoader().getResource("logback.xml");
        if (logback != null) {
            command.add("-Dlogback.configurationFile=" + logback);
        }
        command.addAll(List.of("-cp", classpath, LatencyApp.class.getName(), mode, properties.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread hook = new Thread(process::destroyForcibly, "latency-app-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Handle handle = new Handle(process, log, hook);
        try {
            handle.await("@running", timeout);
        } catch (RuntimeException | InterruptedException e) {
            process.destroyForcibly();
            ShutdownHooks.remove(hook);
            throw e;
        }
        return handle;
    }

    /** The child: {@code LatencyApp <mode> <properties file>}. */
    public static void main(String[] args) {
        PrintWriter out =
                new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)), true);
        int status = 0;
        AutoCloseable closer = null;
        try {
            AppConfig config = AppConfig.load(Path.of(args[1]), Map.of());
            LatencyBenchmark.registerSchemas(config);
            Map<String, KafkaStreams> clients = new LinkedHashMap<>();
            if (args[0].equals(PIPELINES)) {
                PipelineRunner runner = new PipelineRunner(config);
                closer = runner;
                runner.start();
                runner.streams().forEach((pipeline, streams) -> clients.put(pipeline.id(), streams));
            } else {
                KafkaStreams passThrough = passThrough(config);
                closer = () -> passThrough.close(
                        CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                                .withTimeout(Duration.ofSeconds(30)));
                passThrough.start();
                clients.put(PASS_THROUGH, passThrough);
            }
            if (!Poll.within(
                    Duration.ofSeconds(120),
                    () -> clients.values().stream()
                            .allMatch(streams -> streams.state() == KafkaStreams.State.RUNNING))) {
                throw new IllegalStateException("not RUNNING after 120 s: " + states(clients));
            }
            out.println("@running");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("stop")) {
                if (line.equals("lag")) {
                    out.println("@lag " + lag(clients.values()) + " " + states(clients));
                } else if (line.equals("threads")) {
                    out.println("@threads" + threadCpu());
                }
            }
        } catch (Throwable t) {
            out.println("@failed " + t);
            t.printStackTrace(out);
            status = 1;
        } finally {
            if (closer != null) {
                try {
                    closer.close();
                } catch (Exception e) {
                    e.printStackTrace(out);
                    status = 1;
                }
            }
        }
        out.flush();
        System.exit(status);
    }

    private static KafkaStreams passThrough(AppConfig config) {
        Properties props = config.streamsProperties(Pipeline.TEMPERATURE);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationIdPrefix() + "-" + PASS_THROUGH);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        builder.stream(PASS_THROUGH_INPUT, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(PASS_THROUGH_OUTPUT, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return new KafkaStreams(builder.build(), props);
    }

    /** {@code \t<cpu nanos>=<name>} for each live Java thread. */
    private static String threadCpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StringBuilder out = new StringBuilder();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            long cpu = info == null ? -1 : threads.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                out.append('\t')
                        .append(cpu)
                        .append('=')
                        .append(info.getThreadName().replace('\t', ' ').replace('\n', ' '));
            }
        }
        return out.toString();
    }

    private static String states(Map<String, KafkaStreams> clients) {
        return clients.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().state())
                .collect(Collectors.joining(","));
    }

    /**
     * {@code records-lag} of every partition of the main consumers (the restore consumers' are left out). Kafka
     * also publishes it under the topic name with periods replaced, hence the map by client, topic and partition.
     */
    static long lag(Iterable<KafkaStreams> clients) {
        Map<String, Double> byPartition = new HashMap<>();
        for (KafkaStreams streams : clients) {
            for (Map.Entry<MetricName, ? extends Metric> metric :
                    streams.metrics().entrySet()) {
                MetricName name = metric.getKey();
                Map<String, String> tags = name.tags();
                String client = tags.getOrDefault("client-id", "");
                if (name.name().equals("records-lag")
                        && name.group().equals("consumer-fetch-manager-metrics")
                        && tags.containsKey("partition")
                        && !client.contains("restore")
                        && metric.getValue().metricValue() instanceof Double value
                        && Double.isFinite(value)) {
                    byPartition.put(
                            client + "/" + tags.get("topic").replace('.', '_') + "/" + tags.get("partition"), value);
                }
            }
        }
        return (long)
                byPartition.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
