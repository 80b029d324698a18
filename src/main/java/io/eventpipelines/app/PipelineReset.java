package io.eventpipelines.app;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.tools.StreamsResetter;

/**
 * Reprocessing: each selected pipeline's consumer group goes back to the earliest offsets of its input topics (or
 * to a point in time), its internal topics are deleted, and its local state under {@code state.dir} is wiped, so
 * that the next start rebuilds every store from the inputs. The first two are Kafka's own {@code StreamsResetter}
 * ({@code kafka-streams-application-reset}), run once per pipeline with the app's client settings; the state
 * directory is what {@code KafkaStreams#cleanUp} would delete, without building every client to call it.
 *
 * <p>Every selected group is checked before anything is touched: while one has a member (an instance still
 * running, or one with an {@code instance.id} stopped less than {@code session.timeout.ms} ago), nothing is reset.
 */
public final class PipelineReset {
    private final AppConfig config;
    private final PrintStream out;

    /** @param out where this reports what it does; {@code StreamsResetter} reports on standard output */
    public PipelineReset(AppConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    /**
     * Resets every pipeline of the configuration, in the order given; stops at the first that fails.
     *
     * @param toDatetime {@code YYYY-MM-DDThh:mm:ss.sss}, optionally with a zone ({@code Z}, {@code +01:00}), as
     *     Kafka's resetter reads it; null for the earliest offsets
     * @param dryRun print what would be done, change nothing
     * @return {@link Outcome#RESET} or, when Kafka's resetter failed for a pipeline, which one
     */
    public Outcome run(String toDatetime, boolean dryRun) {
        if (toDatetime != null) {
            try {
                Utils.getDateTime(toDatetime);
            } catch (ParseException | IllegalArgumentException e) {
                throw new InvalidConfigException(
                        "--to-datetime",
                        "'" + toDatetime + "' is not a time as YYYY-MM-DDThh:mm:ss.sss, optionally with a zone (Z, "
                                + "+01:00); without one it is the local time zone's");
            }
        }
        refuseWhileActive();
        for (Pipeline pipeline : config.pipelines()) {
            String group = config.applicationId(pipeline);
            out.printf(
                    "%s: group %s, input topics %s%s%n",
                    pipeline.id(), group, String.join(", ", pipeline.inputTopics()), dryRun ? " (dry run)" : "");
            out.flush();
            int status = resetter(pipeline, toDatetime, dryRun);
            if (status != 0) {
                return new Outcome(pipeline, status);
            }
            wipeLocalState(pipeline, dryRun);
        }
        return Outcome.RESET;
    }

    /** Which pipeline's reset failed and Kafka's resetter's exit status; {@link #RESET} when none did. */
    public record Outcome(Pipeline failed, int status) {
        public static final Outcome RESET = new Outcome(null, 0);
    }

    /** Refuses, naming every group with members and who they are, before any group is reset. */
    private void refuseWhileActive() {
        Map<String, Pipeline> groups = new LinkedHashMap<>();
        config.pipelines().forEach(pipeline -> groups.put(config.applicationId(pipeline), pipeline));
        Map<String, ConsumerGroupDescription> described = new LinkedHashMap<>();
        try (Admin admin = TopicAdmin.admin(config)) {
            admin.describeConsumerGroups(groups.keySet()).describedGroups().forEach((group, future) -> {
                try {
                    described.put(group, TopicAdmin.call(admin, future, "describe the group " + group));
                } catch (StartupCheckException e) {
                    // A pipeline that never ran, or whose group expired, has nothing active (nor offsets to reset);
                    // since DescribeGroups v6 the broker answers that with an error instead of an empty group.
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw e;
                    }
                }
            });
        }
        List<String> active = new ArrayList<>();
        described.forEach((group, description) -> {
            if (!description.members().isEmpty()) {
                active.add(group + " (" + description.members().size() + ": "
                        + description.members().stream()
                                .map(PipelineReset::member)
                                .distinct()
                                .collect(Collectors.joining(", "))
                        + ")");
            }
        });
        if (!active.isEmpty()) {
            throw new ResetRefusedException(
                    "reset refused, nothing changed: still active in " + String.join("; ", active)
                            + ". Stop every instance of these pipelines first (a member with an instance.id stays until "
                            + "session.timeout.ms after it stopped)");
        }
    }

    private static String member(MemberDescription member) {
        return member.groupInstanceId().orElse(member.clientId()) + "@" + member.host();
    }

    /** Kafka's resetter for one pipeline: its exit status (0 done; it prints its own reason otherwise). */
    private int resetter(Pipeline pipeline, String toDatetime, boolean dryRun) {
        Path clientConfig = clientConfigFile();
        try {
            List<String> args = new ArrayList<>(List.of(
                    "--application-id",
                    config.applicationId(pipeline),
                    "--bootstrap-server",
                    String.valueOf(config.adminProperties().get("bootstrap.servers")),
                    "--command-config",
                    clientConfig.toString(),
                    "--input-topics",
                    String.join(",", pipeline.inputTopics())));
            if (toDatetime == null) {
                args.add("--to-earliest");
            } else {
                args.addAll(List.of("--to-datetime", toDatetime));
            }
            if (dryRun) {
                args.add("--dry-run");
            }
            return new StreamsResetter().execute(args.toArray(String[]::new));
        } finally {
            try {
                Files.deleteIfExists(clientConfig);
            } catch (IOException e) {
                out.println("warning: could not delete " + clientConfig + ": " + e.getMessage());
            }
        }
    }

    /**
     * The client settings (security included) as the file {@code --command-config} wants: readable by the owner
     * only, since it may hold passwords, and deleted when the resetter is done.
     */
    private Path clientConfigFile() {
        Properties properties = new Properties();
        config.adminProperties().forEach((key, value) -> properties.setProperty(key, String.valueOf(value)));
        try {
            Path file = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                    ? Files.createTempFile(
                            "event-pipelines-reset-",
                            ".properties",
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.createTempFile("event-pipelines-reset-", ".properties");
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                properties.store(writer, "event-pipelines reset: client settings for StreamsResetter");
            }
            // Deleted when the resetter is done; also when a signal ends the JVM meanwhile.
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the resetter's client settings to the temp dir", e);
        }
    }

    /** {@code <state.dir>/<application.id>}: every task's stores and checkpoints of the pipeline on this host. */
    private void wipeLocalState(Pipeline pipeline, boolean dryRun) {
        StreamsConfig streams = new StreamsConfig(config.streamsProperties(pipeline));
        Path dir = Path.of(streams.getString(StreamsConfig.STATE_DIR_CONFIG), config.applicationId(pipeline));
        if (!Files.exists(dir)) {
            out.printf("%s: no local state at %s%n", pipeline.id(), dir);
            return;
        }
        if (dryRun) {
            out.printf("%s: would delete local state %s (%d files)%n", pipeline.id(), dir, files(dir));
            return;
        }
        try {
            Utils.delete(new File(dir.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
        out.printf("%s: deleted local state %s%n", pipeline.id(), dir);
    }

    private static long files(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            return -1;
        }
    }
}
