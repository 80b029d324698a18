package io.eventpipelines.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The app ({@code run}, or another command) in a child JVM on the test's classpath, as an operator starts it: the
 * only way to test what a real crash ({@link #kill()}, SIGKILL: no shutdown hook, no clean close) or a signal
 * ({@link #stop}, SIGTERM) leaves behind.
 * Its output goes to a file, which {@link #tail()} shows in assertion messages.
 */
public final class AppProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Thread shutdownHook;

    private AppProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        // A child left behind by a test JVM that dies would keep consuming from the next run's broker port.
        this.shutdownHook = new Thread(process::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts {@code io.eventpipelines.app.cli.Main run <properties>}, appending its output to {@code log}. */
    public static AppProcess run(Path properties, Path log) throws IOException {
        return start(List.of("run", properties.toString()), log);
    }

    /** Starts {@code io.eventpipelines.app.cli.Main <args>} with the app's own logging, appending its output to {@code log}. */
    public static AppProcess start(List<String> args, Path log) throws IOException {
        // The test classpath carries logback-test.xml (WARN): the production configuration logs the
        // pipelines' state changes, which the tests wait for.
        return start(
                args, log, Map.of(), Path.of("target", "classes", "logback.xml").toAbsolutePath());
    }

    /** The same, with environment variables (e.g. {@code EVENT_PIPELINES_*} overrides) and a logback configuration. */
    public static AppProcess run(Path properties, Path log, Map<String, String> env, Path logback) throws IOException {
        return start(List.of("run", properties.toString()), log, env, logback);
    }

    /**
     * Starts {@code io.eventpipelines.app.cli.Main} with {@code args}. Its {@code java.io.tmpdir} is a fresh
     * {@code jvm-tmp-*} directory next to {@code log}, so a test can see what the app left there.
     */
    public static AppProcess start(List<String> args, Path log, Map<String, String> env, Path logback)
            throws IOException {
        return start(
                List.of("-cp", System.getProperty("java.class.path"), "io.eventpipelines.app.cli.Main"),
                args,
                log,
                env,
                logback);
    }

    /**
     * The shaded jar that {@code package} built, as users run it ({@code java -jar}): what the pom leaves out of it
     * fails here, not on the test classpath, which has every test dependency too.
     */
    public static Exit runJarToExit(List<String> args, Path log, Duration timeout)
            throws IOException, InterruptedException {
        Path jar = Path.of("target", "event-pipelines.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the integration tests run after 'package'");
        }
        Path logback = Path.of("target", "classes", "logback.xml").toAbsolutePath();
        return toExit(start(List.of("-jar", jar.toString()), args, log, Map.of(), logback), timeout);
    }

    private static AppProcess start(
            List<String> launcher, List<String> args, Path log, Map<String, String> env, Path logback)
            throws IOException {
        // RocksDB unpacks its 15 MB native library into java.io.tmpdir and removes it only on a normal exit:
        // a SIGKILLed child would leave it in /tmp. Next to the log, it goes with the test's directory.
        Path tmp = Files.createTempDirectory(log.toAbsolutePath().getParent(), "jvm-tmp-");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                // An OutOfMemoryError fails the test as an exit with the JVM's own line, not as a stuck pipeline.
                "-XX:+ExitOnOutOfMemoryError",
                "-Djava.io.tmpdir=" + tmp,
                "-Dlogback.configurationFile=" + logback));
        command.addAll(launcher);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        return new AppProcess(builder.start(), log);
    }

    /** What a command that ran to its end left: its exit status (-1 if it had to be killed) and its output. */
    public record Exit(int status, String output) {}

    /** Runs a command (not {@code run}) in its own JVM to its end, killing it after {@code timeout}. */
    public static Exit runToExit(List<String> args, Path log, Duration timeout)
            throws IOException, InterruptedException {
        return toExit(start(args, log), timeout);
    }

    private static Exit toExit(AppProcess started, Duration timeout) throws InterruptedException {
        try (AppProcess command = started) {
            int status = command.awaitExit(timeout);
            return new Exit(status, command.output());
        }
    }

    /** Waits for the app to exit by itself: its status, or -1 when it is still running after the timeout. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** SIGKILL, as the OOM killer or a lost node would: returns once the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("pid " + process.pid() + " still alive 30 s after SIGKILL");
        }
    }

    /** SIGTERM, then waits for the exit: its status, or -1 when it did not exit in time. */
    public int stop(long timeoutSeconds) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /**
     * {@link Poll#until} that gives up at once when the process has exited, and puts the output's tail as it
     * is at that moment into the failure.
     */
    public void await(Duration timeout, String what, BooleanSupplier condition) {
        try {
            Poll.until(timeout, what, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(
                            "the app exited with " + process.exitValue() + " while waiting for " + what);
                }
                return condition.getAsBoolean();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + tail() + streamThreads(), e);
        }
    }

    /**
     * The stacks of the app's stream threads as they are now, for a wait that timed out while the app runs: where
     * a pipeline that never got to RUNNING is stuck is known only while it is stuck (CI keeps no files).
     */
    private String streamThreads() {
        if (!process.isAlive()) {
            return "";
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Path dumpFile = log.resolveSibling(log.getFileName() + ".threads");
        try {
            // To a file, so that a jcmd that hangs on a JVM thrashing its heap is given up on, not waited for.
            Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true)
                    .redirectOutput(dumpFile.toFile())
                    .start();
            if (!dump.waitFor(30, TimeUnit.SECONDS)) {
                dump.destroyForcibly();
                return "\n(no thread dump: jcmd did not answer in 30 s)";
            }
            String text = Files.readString(dumpFile, StandardCharsets.UTF_8);
            StringBuilder threads = new StringBuilder();
            for (String thread : text.split("\n\n")) {
                if (thread.startsWith("\"") && (thread.contains("StreamThread") || thread.contains("StateUpdater"))) {
                    thread.lines()
                            .limit(60)
                            .forEach(line -> threads.append(line).append('\n'));
                    threads.append('\n');
                }
            }
            // Without a match, jcmd's own complaint (no attach, say) rather than an empty section.
            return "\n---- stream threads of pid " + process.pid() + " ----\n"
                    + (threads.isEmpty()
                            ? String.join("\n", text.lines().limit(20).toList())
                            : threads);
        } catch (IOException e) {
            return "\n(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "\n(no thread dump: interrupted)";
        }
    }

    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The last lines of the output, for assertion messages. */
    public String tail() {
        List<String> lines = output().lines().toList();
        return "---- last lines of " + log + " ----\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        ShutdownHooks.remove(shutdownHook);
    }
}
