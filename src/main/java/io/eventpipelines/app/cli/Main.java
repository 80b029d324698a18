package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.LogFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code java -jar event-pipelines.jar <properties file>} runs the pipelines; see {@code --help}. */
@Command(
        name = "event-pipelines",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Kafka Streams pipelines over Avro records: temperature alerts, log routing, "
                + "inventory and notifications.%nWith only a properties file, runs the pipelines (like 'run').",
        subcommands = {
            RunCommand.class,
            DescribeCommand.class,
            DemoCommand.class,
            ProduceCommand.class,
            TopicsCommand.class,
            SchemasCommand.class,
            ResetCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n")
public final class Main implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "<properties file>", description = "Configuration to run with.")
    Path configFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // From the first line on when set in the environment; a properties file's log.format applies once read.
        String format = System.getenv(AppConfig.ENV_PREFIX + "LOG_FORMAT");
        if (format != null && format.strip().equalsIgnoreCase("json")) {
            LogFormat.JSON.apply();
        }
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.getCommandSpec().usageMessage().exitCodeList(exitCodes());
        cli.setExecutionExceptionHandler((error, command, parseResult) -> ExitCodes.handle(error, command));
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cli.setExecutionStrategy(parseResult -> {
            // A first word that is neither a command nor an existing file is a typo ("restart --help"), not a
            // properties file to run: say so, instead of running or printing the top-level help with exit 0.
            if (!parseResult.hasSubcommand() && parseResult.hasMatchedPositional(0)) {
                String first = parseResult.matchedPositional(0).stringValues().get(0);
                if (!Files.exists(Path.of(first))) {
                    CommandLine top = parseResult.commandSpec().commandLine();
                    top.getErr()
                            .printf(
                                    "event-pipelines: '%s' is neither a command (%s) nor a properties file that "
                                            + "exists; see --help%n",
                                    first,
                                    String.join(", ", top.getSubcommands().keySet()));
                    top.getErr().flush();
                    return ExitCodes.CONFIG;
                }
            }
            return runLast.execute(parseResult);
        });
        return cli;
    }

    private static Map<String, String> exitCodes() {
        Map<String, String> codes = new LinkedHashMap<>();
        for (String entry : ExitCodes.DESCRIPTIONS) {
            int colon = entry.indexOf(':');
            codes.put(entry.substring(0, colon), entry.substring(colon + 1));
        }
        return codes;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (configFile == null) {
            spec.commandLine().usage(spec.commandLine().getErr());
            return ExitCodes.CONFIG;
        }
        return RunCommand.run(configFile);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"event-pipelines " + (version == null ? "(development build)" : version)};
        }
    }
}
