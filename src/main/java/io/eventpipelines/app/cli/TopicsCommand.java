package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.InvalidConfigException;
import io.eventpipelines.app.TopicAdmin;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code topics create <properties file>}: every input, output and dead-letter topic, idempotently. */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Manage the app's topics.",
        subcommands = TopicsCommand.Create.class)
final class TopicsCommand {

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create every input, output and dead-letter topic of the selected pipelines that does not "
                    + "exist yet; existing topics are left unchanged.")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "<properties file>", description = "Cluster settings.")
        Path configFile;

        @Option(
                names = "--partitions",
                description = "Partitions per topic (default: topics.partitions, else " + TopicAdmin.DEFAULT_PARTITIONS
                        + ").")
        Integer partitions;

        @Option(
                names = "--replication-factor",
                description = "Replication factor (default: topics.replication.factor, "
                        + "else replication.factor, else the broker's default).")
        Short replicationFactor;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AppConfig config = AppConfig.load(configFile, System.getenv());
            int count = partitions != null ? partitions : config.topicPartitions();
            Optional<Short> replication =
                    replicationFactor != null ? Optional.of(replicationFactor) : config.topicReplicationFactor();
            if (count <= 0 || replication.map(r -> r <= 0).orElse(false)) {
                throw new InvalidConfigException("--partitions/--replication-factor", "must be > 0");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Admin admin = TopicAdmin.admin(config)) {
                Map<String, Boolean> outcome =
                        TopicAdmin.create(admin, TopicAdmin.topicsOf(config.pipelines()), count, replication);
                outcome.forEach((topic, created) -> out.printf("%-24s %s%n", topic, created ? "created" : "exists"));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
