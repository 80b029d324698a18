package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.avro.AvroSerdes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code describe [<properties file>]}: each pipeline's topology, built as {@code run} builds it. */
@Command(
        name = "describe",
        mixinStandardHelpOptions = true,
        description = "Print each selected pipeline's topology (Topology#describe()). Contacts no broker or registry.")
final class DescribeCommand implements Callable<Integer> {
    @Parameters(
            arity = "0..1",
            paramLabel = "<properties file>",
            description = "Configuration to describe; without it, the defaults.")
    Path configFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        AppConfig config = configFile == null
                ? AppConfig.of(Map.of("bootstrap.servers", "localhost:9092", "schema.registry.url", "mock://describe"))
                : AppConfig.load(configFile, System.getenv());
        PrintWriter out = spec.commandLine().getOut();
        var serdes = new AvroSerdes(config.serdeConfig());
        for (Pipeline pipeline : config.pipelines()) {
            out.printf(
                    "Pipeline %s (application.id %s-%s)%n%s%n",
                    pipeline.id(),
                    config.applicationIdPrefix(),
                    pipeline.id(),
                    pipeline.buildTopology(config, serdes).describe());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
