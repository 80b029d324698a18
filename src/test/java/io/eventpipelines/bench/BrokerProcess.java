package io.eventpipelines.bench;

import io.eventpipelines.testing.EmbeddedKafka;
import io.eventpipelines.testing.ShutdownHooks;
import io.eventpipelines.testing.TestFiles;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The benchmark's Kafka broker: the integration tests' {@link EmbeddedKafka} (a real single-node KRaft broker,
 * combined broker and controller, at the production metadata version), but in a JVM of its own, started with the
 * heap and GC options of Kafka's {@code kafka-server-start.sh}. A separate process keeps the broker's heap, GC
 * pauses and memory out of the measured JVM, as in production, while still needing nothing installed.
 *
 * <p>The child runs in {@code <dir>} (so EmbeddedKafka's {@code target/kafka-*} data and the JVM's temporary
 * files land there), writes its bootstrap servers to {@code <dir>/bootstrap}, and stops when its standard input
 * reaches a line or end of file, which also happens when the parent dies. {@link #close()} deletes {@code <dir>}.
 */
final class BrokerProcess implements AutoCloseable {
    /** Kafka's defaults: KAFKA_HEAP_OPTS and KAFKA_JVM_PERFORMANCE_OPTS of kafka-run-class.sh. */
    static final List<String> JVM_OPTIONS = List.of(
            "-Xms1g",
            "-Xmx1g",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true");

    /**
     * Over EmbeddedKafka's settings (one node's replication factors, 3 partitions for the offsets and transaction
     * topics, no initial rebalance delay, no topic auto-creation): Kafka's default broker session, which
     * EmbeddedKafka shortens for its restart tests, so that a broker starved of CPU on a busy 2-core machine is
     * not fenced by its controller mid-run.
     */
    static final Map<String, String> BROKER_CONFIG = Map.of(
            "broker.session.timeout.ms", "9000",
            "broker.heartbeat.interval.ms", "2000");

    private final Process process;
    private final Path dir;
    private final String bootstrapServers;
    private final Thread shutdownHook;

    private BrokerProcess(Process process, Path dir, String bootstrapServers, Thread shutdownHook) {
        this.process = process;
        this.dir = dir;
        this.bootstrapServers = bootstrapServers;
        this.shutdownHook = shutdownHook;
    }

    static BrokerProcess start(Path dir, Duration timeout) throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        Path bootstrapFile = dir.resolve("bootstrap");
        Path log = dir.resolve("broker.log");
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-Djava.io.tmpdir=" + dir.resolve("tmp"));
        command.addAll(List.of("-cp", classpath, BrokerProcess.class.getName(), bootstrapFile.toString()));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Thread hook = new Thread(
                () -> {
                    process.destroyForcibly();
                    try {
                        process.waitFor(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    deleteQuietly(dir);
                },
                "e2e-broker-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(bootstrapFile)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String output = Files.exists(log) ? Files.readString(log) : "";
                process.destroyForcibly();
                throw new IllegalStateException((process.isAlive()
                                ? "broker not ready after " + timeout
                                : "broker exited with " + process.waitFor())
                        + ":\n" + output);
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        return new BrokerProcess(process, dir, Files.readString(bootstrapFile).trim(), hook);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** The last {@code lines} lines of the broker's output, for failure reports. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("broker.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no broker log: " + e + ")";
        }
    }

    long pid() {
        return process.pid();
    }

    /** The broker JVM's peak resident set (VmHWM), in bytes. */
    OptionalLong peakRssBytes() {
        return ProcStatus.kilobytes(process.pid(), "VmHWM").stream()
                .map(kb -> kb * 1024)
                .findFirst();
    }

    /** User + system CPU time the broker JVM used so far, in nanoseconds. */
    long cpuNanos() {
        return ProcStatus.cpuNanos(process.pid());
    }

    @Override
    public void close() {
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write("stop\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException gone) {
            // already exited
        }
        awaitExit(process);
        ShutdownHooks.remove(shutdownHook);
        deleteQuietly(dir);
    }

    /** Waits a minute for a child told to stop, then kills it. */
    static void awaitExit(Process process) {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void deleteQuietly(Path dir) {
        try {
            TestFiles.deleteRecursively(dir);
        } catch (RuntimeException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    /** The child: {@code BrokerProcess <bootstrap file>}, in the directory the parent chose. */
    public static void main(String[] args) {
        Path bootstrapFile = Path.of(args[0]);
        EmbeddedKafka kafka = null;
        int status = 0;
        try {
            kafka = new EmbeddedKafka(BROKER_CONFIG);
            Path partial = bootstrapFile.resolveSibling(bootstrapFile.getFileName() + ".partial");
            Files.writeString(partial, kafka.bootstrapServers());
            Files.move(partial, bootstrapFile, StandardCopyOption.ATOMIC_MOVE);
            InputStream stdin = System.in;
            int c;
            do {
                c = stdin.read();
            } while (c >= 0 && c != '\n');
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        } finally {
            if (kafka != null) {
                try {
                    kafka.close();
                } catch (Throwable t) {
                    t.printStackTrace();
                    status = 1;
                }
            }
        }
        System.exit(status);
    }
}
