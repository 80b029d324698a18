package io.eventpipelines.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.testing.AppProcess;
import io.eventpipelines.testing.TestFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The quick start: {@code demo} needs nothing installed and shows every pipeline at work. */
class DemoIT {
    @Test
    void demoRunsEveryPipelineOnAnEmbeddedBrokerAndSummarizes() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "demo-it-");
        Path kafkaLog = dir.resolve("kafka.log");
        try {
            assertEquals(0, cli.execute("demo", "--seconds", "25", "--log-file", kafkaLog.toString()));
            assertTrue(out.toString().startsWith("Log: " + kafkaLog), out.toString());
            // What lands there depends on the logging configuration: the tests' is quieter than the app's.
            assertTrue(Files.exists(kafkaLog), "the log file the demo named");
        } finally {
            TestFiles.deleteRecursively(dir);
        }

        String text = out.toString();
        List<String> blocks = List.of(text.split("---- "));
        String last = blocks.get(blocks.size() - 1);
        assertTrue(last.contains("temperature=RUNNING logs=RUNNING inventory=RUNNING notifications=RUNNING"), text);
        long readings = number(last, "temperature\\s+(\\d+) readings");
        long alerts = number(last, "-> +(\\d+) alerts");
        assertTrue(readings > 100 && alerts > 0 && alerts < readings, last);
        assertTrue(number(last, "logs\\s+(\\d+) events") > 100, last);
        assertTrue(number(last, "info (\\d+)") > 0 && number(last, "error (\\d+)") > 0, last);
        long orders = number(last, "inventory\\s+(\\d+) orders");
        assertTrue(orders > 20 && last.contains("RESERVED=") && last.contains("RESTOCKED="), last);
        long notifications = number(last, "notifications\\s+(\\d+) sent");
        assertTrue(notifications > 0 && notifications <= orders, last);
        assertEquals(0, number(last, "dead letters\\s+(\\d+)"), last);
    }

    /** Ctrl-C or SIGTERM, as users stop it: every pipeline and the broker close, and nothing is left in the temp dir. */
    @Test
    void aSigtermedDemoClosesEverythingAndLeavesNothingBehind() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "demo-it-");
        try {
            Path log = dir.resolve("demo.log");
            Path kafkaLog = dir.resolve("kafka.log");
            try (AppProcess demo = AppProcess.start(List.of("demo", "--log-file", kafkaLog.toString()), log)) {
                try {
                    demo.await(
                            Duration.ofSeconds(90),
                            "a first summary with every pipeline RUNNING",
                            () -> demo.output()
                                    .contains(
                                            "temperature=RUNNING logs=RUNNING inventory=RUNNING notifications=RUNNING"));
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + notableLines(kafkaLog), e);
                }
                assertEquals(143, demo.stop(60), demo.tail());
                assertTrue(demo.output().contains("Stopping pipelines and the broker..."), demo.tail());
                // The console is the summary: Kafka's start-up chatter and the app's INFO lines are in the file.
                assertEquals(
                        List.of(),
                        demo.output().lines().filter(DemoIT::isLogLine).toList(),
                        "log lines on the demo's console");
                assertTrue(
                        Files.readString(kafkaLog).contains("Pipeline temperature started"),
                        "the log lines are in the file");
            }
            try (Stream<Path> tmp = Files.list(dir)
                            .filter(p -> p.getFileName().toString().startsWith("jvm-tmp-"));
                    Stream<Path> left = Files.list(tmp.findFirst().orElseThrow())) {
                assertEquals(List.of(), left.toList(), "the demo's java.io.tmpdir after SIGTERM");
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    /** The app log's state changes, warnings and errors (not Kafka's routine WARNs), for a failure message. */
    private static String notableLines(Path appLog) {
        try {
            List<String> notable = new ArrayList<>();
            boolean kept = false;
            for (String line : Files.readAllLines(appLog)) {
                // A kept line's stack trace (or a stall's thread stacks) follows it on lines of their own.
                kept = isLogLine(line) ? isNotable(line) : kept;
                if (kept) {
                    notable.add(line.length() > 400 ? line.substring(0, 400) + "..." : line);
                }
            }
            return "\n---- notable lines of " + appLog + " ----\n"
                    + String.join("\n", notable.subList(Math.max(0, notable.size() - 300), notable.size()));
        } catch (IOException e) {
            return "\n(cannot read " + appLog + ": " + e + ")";
        }
    }

    private static boolean isNotable(String line) {
        return line.contains("Pipeline ")
                || (line.contains(" ERROR ") || line.contains(" WARN "))
                        && !line.contains("reported a recoverable issue")
                        && !line.contains("Unable to assign");
    }

    private static boolean isLogLine(String line) {
        return line.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d+ .*");
    }

    private static long number(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), regex + " in\n" + text);
        return Long.parseLong(matcher.group(1));
    }
}
