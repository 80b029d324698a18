package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.PipelineReset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code reset <properties file>}: reprocess the selected pipelines' inputs from the start or a point in time. */
@Command(
        name = "reset",
        mixinStandardHelpOptions = true,
        description = {
            "Make the selected pipelines reprocess their inputs: reset each one's consumer group on its input topics "
                    + "(Kafka's StreamsResetter), delete its internal topics (changelogs, repartition topics) and "
                    + "wipe its local state under state.dir on this host. Outputs written before stay; the restarted "
                    + "pipelines write them again.",
            "Refuses, changing nothing, while any member of a selected group is active: stop every instance first, "
                    + "and run reset on every host that keeps state."
        })
final class ResetCommand implements Callable<Integer> {
    @Parameters(paramLabel = "<properties file>", description = "Cluster settings, application.id and state.dir.")
    Path configFile;

    @Option(
            names = "--pipelines",
            paramLabel = "<ids>",
            description = "Comma-separated pipelines to reset (default: the file's pipelines=, else all).")
    String pipelines;

    @ArgGroup(exclusive = true)
    Target target = new Target();

    static final class Target {
        @Option(names = "--to-earliest", description = "Reprocess from the earliest offsets (the default).")
        boolean earliest;

        @Option(
                names = "--to-datetime",
                paramLabel = "<time>",
                description = "Reprocess from the first record at or after this time: YYYY-MM-DDThh:mm:ss.sss, "
                        + "optionally with a zone (Z, +01:00).")
        String datetime;
    }

    @Option(names = "--dry-run", description = "Print what would be reset and deleted; change nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        AppConfig config = AppConfig.load(configFile, System.getenv());
        if (pipelines != null) {
            config = config.with(AppConfig.PIPELINES_CONFIG, pipelines);
        }
        PipelineReset.Outcome outcome = new PipelineReset(config, System.out).run(target.datetime, dryRun);
        if (outcome.failed() != null) {
            spec.commandLine()
                    .getErr()
                    .printf(
                            "event-pipelines: reset of %s failed (StreamsResetter exit %d, see above): its offsets "
                                    + "and internal topics may be reset already, its local state was kept and the "
                                    + "pipelines after it were not touched; fix the cause and run reset again%n",
                            outcome.failed().id(), outcome.status());
            spec.commandLine().getErr().flush();
            return ExitCodes.FAILED;
        }
        System.out.println(dryRun ? "Dry run: nothing was changed." : "Reset done: start the pipelines to reprocess.");
        return ExitCodes.OK;
    }
}
