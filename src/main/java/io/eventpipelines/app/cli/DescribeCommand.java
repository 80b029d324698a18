package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.TopologyFormat;
import io.eventpipelines.avro.AvroSerdes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.TopologyDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code describe [<properties file>]}: each pipeline's topology, built as {@code run} builds it. */
@Command(
        name = "describe",
        mixinStandardHelpOptions = true,
        description = "Print each selected pipeline's topology: Kafka's text (Topology#describe()), its structure as "
                + "JSON, or Mermaid flowcharts in Markdown. Contacts no broker or registry.")
final class DescribeCommand implements Callable<Integer> {
    @Parameters(
            arity = "0..1",
            paramLabel = "<properties file>",
            description = "Configuration to describe; without it, the defaults.")
    Path configFile;

    @Option(
            names = "--format",
            defaultValue = "text",
            description = "text (default), json or mermaid (a Markdown section with a mermaid block per pipeline).")
    String format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        AppConfig config = configFile == null
                ? AppConfig.of(Map.of("bootstrap.servers", "localhost:9092", "schema.registry.url", "mock://describe"))
                : AppConfig.load(configFile, System.getenv());
        TopologyFormat as;
        try {
            as = TopologyFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--format: " + e.getMessage());
        }
        var serdes = new AvroSerdes(config.serdeConfig());
        Map<String, TopologyDescription> topologies = new LinkedHashMap<>();
        for (Pipeline pipeline : config.pipelines()) {
            topologies.put(pipeline.id(), pipeline.buildTopology(config, serdes).describe());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(as.render(config.applicationIdPrefix(), topologies));
        out.flush();
        return ExitCodes.OK;
    }
}
