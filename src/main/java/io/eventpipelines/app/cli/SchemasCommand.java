package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.InvalidConfigException;
import io.eventpipelines.app.SchemaAdmin;
import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.SchemaRegistryClient;
import io.eventpipelines.avro.SchemaRegistryClient.CompatibilityResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code schemas register|check <properties file>}: the data contract in {@code schemas/} against the registry. */
@Command(
        name = "schemas",
        mixinStandardHelpOptions = true,
        description = "Register the app's schemas or check them against the Schema Registry.",
        subcommands = {SchemasCommand.Register.class, SchemasCommand.Check.class})
final class SchemasCommand {

    private static Map<String, Schema> subjects(AppConfig config) {
        return SchemaAdmin.subjectsOf(config.pipelines(), config.applicationIdPrefix());
    }

    @Command(
            name = "register",
            mixinStandardHelpOptions = true,
            description =
                    "Register each schema under its subject (<topic>-value, internal topics included) and set the "
                            + "subject's compatibility level.")
    static final class Register implements Callable<Integer> {
        @Parameters(paramLabel = "<properties file>", description = "Registry settings.")
        Path configFile;

        @Option(
                names = "--compatibility",
                defaultValue = SchemaAdmin.DEFAULT_COMPATIBILITY,
                description = "Compatibility level for each subject (default ${DEFAULT-VALUE}).")
        String compatibility;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            String level = compatibility.toUpperCase(Locale.ROOT);
            if (!SchemaRegistryClient.COMPATIBILITY_LEVELS.contains(level)) {
                throw new InvalidConfigException(
                        "--compatibility",
                        "'" + compatibility + "' is not one of "
                                + new TreeSet<>(SchemaRegistryClient.COMPATIBILITY_LEVELS));
            }
            AppConfig config = AppConfig.load(configFile, System.getenv());
            SchemaRegistryClient client = new AvroSerdes(config.serdeConfig()).client();
            PrintWriter out = spec.commandLine().getOut();
            for (SchemaAdmin.Registered registered : SchemaAdmin.register(client, subjects(config), level)) {
                out.printf("%-60s id %-5d %s%n", registered.subject(), registered.id(), level);
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Test each local schema against its subject's compatibility level; exits 1 naming every "
                    + "incompatible subject.")
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "<properties file>", description = "Registry settings.")
        Path configFile;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AppConfig config = AppConfig.load(configFile, System.getenv());
            SchemaRegistryClient client = new AvroSerdes(config.serdeConfig()).client();
            PrintWriter out = spec.commandLine().getOut();
            List<String> incompatible = new ArrayList<>();
            for (Map.Entry<String, CompatibilityResult> verdict :
                    SchemaAdmin.check(client, subjects(config)).entrySet()) {
                boolean ok = verdict.getValue().compatible();
                out.printf(
                        "%-60s %s%s%n",
                        verdict.getKey(),
                        ok ? "compatible" : "INCOMPATIBLE",
                        verdict.getValue().messages().isEmpty()
                                ? ""
                                : " " + verdict.getValue().messages());
                if (!ok) {
                    incompatible.add(verdict.getKey());
                }
            }
            out.flush();
            if (!incompatible.isEmpty()) {
                spec.commandLine()
                        .getErr()
                        .println("event-pipelines: incompatible schemas for subjects: "
                                + String.join(", ", incompatible));
                spec.commandLine().getErr().flush();
                return ExitCodes.FAILED;
            }
            return ExitCodes.OK;
        }
    }
}
