package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.SchemaRegistryException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
            Main.Run.class,
            Main.Describe.class,
            DemoCommand.class,
            ProduceCommand.class,
            TopicsCommand.class,
            SchemasCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "143:stopped by SIGTERM (130: Ctrl-C), after closing every pipeline",
            "1:every pipeline stopped, one failed",
            "2:invalid configuration or usage",
            "3:topics or schemas missing, or the registry URL does not answer as a Schema Registry",
            "4:not authenticated or not authorized by the cluster/registry (credentials, certificates, ACLs)",
            "5:the registry refused an output's schema at run time (incompatible, not registered, read-only)"
        })
public final class Main implements Callable<Integer> {
    static final int EXIT_FAILED = 1;
    static final int EXIT_CONFIG = 2;
    static final int EXIT_NOT_READY = 3;
    /** Credentials or certificates refused, or an ACL missing: retrying cannot help, unlike exit 3. */
    static final int EXIT_NOT_AUTHORIZED = 4;
    /** A deployment error found at run time: the registry refuses a schema the app writes. Nothing was dead-lettered. */
    static final int EXIT_SCHEMA_REFUSED = 5;

    @Parameters(arity = "0..1", paramLabel = "<properties file>", description = "Configuration to run with.")
    Path configFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((error, command, parseResult) -> {
            if (error instanceof InvalidConfigException) {
                command.getErr().println("event-pipelines: invalid configuration: " + error.getMessage());
                command.getErr().flush();
                return EXIT_CONFIG;
            }
            if (error instanceof NotAuthorizedException) {
                command.getErr().println("event-pipelines: " + error.getMessage());
                command.getErr().flush();
                return EXIT_NOT_AUTHORIZED;
            }
            if (error instanceof SchemaRegistryException registryError && registryError.isAccessDenied()) {
                command.getErr().println("event-pipelines: access denied: " + error.getMessage());
                command.getErr().flush();
                return EXIT_NOT_AUTHORIZED;
            }
            if (error instanceof SchemaRefusedException) {
                command.getErr().println("event-pipelines: " + error.getMessage());
                command.getErr().flush();
                return EXIT_SCHEMA_REFUSED;
            }
            if (error instanceof StartupCheckException) {
                command.getErr().println("event-pipelines: cannot start: " + error.getMessage());
                command.getErr().flush();
                return EXIT_NOT_READY;
            }
            throw error;
        });
        return cli;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (configFile == null) {
            spec.commandLine().usage(spec.commandLine().getErr());
            return EXIT_CONFIG;
        }
        return Run.run(configFile);
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Run the selected pipelines until SIGTERM/Ctrl-C, then close each, leaving its group.")
    static final class Run implements Callable<Integer> {
        private static final Logger log = LoggerFactory.getLogger(Run.class);

        @Parameters(paramLabel = "<properties file>", description = "Configuration to run with.")
        Path configFile;

        @Override
        public Integer call() throws InterruptedException {
            return run(configFile);
        }

        static int run(Path configFile) throws InterruptedException {
            AppConfig config = AppConfig.load(configFile, System.getenv());
            log.info(
                    "Starting pipelines {} with configuration (secrets hidden):\n{}",
                    config.pipelines(),
                    config.redacted());
            if (!config.unknownKeys().isEmpty()) {
                log.warn("Ignoring keys that nothing reads (a typo?): {}", config.unknownKeys());
            }
            PipelineRunner runner = new PipelineRunner(config);
            // The hook only closes: the JVM exits once hooks finish, so calling System.exit here would deadlock.
            Thread hook = new Thread(runner::close, "event-pipelines-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                runner.start();
            } catch (RuntimeException e) {
                Runtime.getRuntime().removeShutdownHook(hook);
                throw e;
            }
            runner.awaitStopped();
            // Reached without a signal only when every pipeline died, or the cluster refused the app's identity
            // or an ACL at run time (which stops them all): close what is left and report it.
            runner.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return 0;
            }
            if (runner.accessDenied().isPresent()) {
                throw new NotAuthorizedException(runner.accessDenied().get());
            }
            if (runner.schemaRefused().isPresent()) {
                throw new SchemaRefusedException(runner.schemaRefused().get());
            }
            return runner.anyFailed() ? EXIT_FAILED : 0;
        }
    }

    @Command(
            name = "describe",
            mixinStandardHelpOptions = true,
            description =
                    "Print each selected pipeline's topology (Topology#describe()). Contacts no broker or registry.")
    static final class Describe implements Callable<Integer> {
        @Parameters(
                arity = "0..1",
                paramLabel = "<properties file>",
                description = "Configuration to describe; without it, the defaults.")
        Path configFile;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            AppConfig config = configFile == null
                    ? AppConfig.of(
                            Map.of("bootstrap.servers", "localhost:9092", "schema.registry.url", "mock://describe"))
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
            return 0;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"event-pipelines " + (version == null ? "(development build)" : version)};
        }
    }
}
