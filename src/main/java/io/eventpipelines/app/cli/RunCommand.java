package io.eventpipelines.app.cli;

import io.eventpipelines.app.AppConfig;
import io.eventpipelines.app.NotAuthorizedException;
import io.eventpipelines.app.PipelineRunner;
import io.eventpipelines.app.SchemaRefusedException;
import io.eventpipelines.app.http.HttpEndpoint;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code run <properties file>}: the pipelines, and the HTTP endpoint when {@code http.port} is set, until a signal. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run the selected pipelines until SIGTERM/Ctrl-C, then close each, leaving its group.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Parameters(paramLabel = "<properties file>", description = "Configuration to run with.")
    Path configFile;

    @Override
    public Integer call() throws InterruptedException {
        return run(configFile);
    }

    static int run(Path configFile) throws InterruptedException {
        AppConfig config = AppConfig.load(configFile, System.getenv());
        config.logFormat().apply();
        log.info(
                "Starting pipelines {} with configuration (secrets hidden):\n{}",
                config.pipelines(),
                config.redacted());
        if (!config.unknownKeys().isEmpty()) {
            log.warn("Ignoring keys that nothing reads (a typo?): {}", config.unknownKeys());
        }
        PipelineRunner runner = new PipelineRunner(config);
        Instance instance = new Instance(runner);
        // The hook only closes: the JVM exits once hooks finish, so calling System.exit here would deadlock.
        Thread hook = new Thread(instance::close, "event-pipelines-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            runner.start();
            instance.http = HttpEndpoint.startIfEnabled(config, runner);
        } catch (RuntimeException e) {
            instance.close();
            Runtime.getRuntime().removeShutdownHook(hook);
            throw e;
        }
        runner.awaitStopped();
        // Reached without a signal only when every pipeline died, or the cluster refused the app's identity
        // or an ACL at run time (which stops them all): close what is left and report it.
        instance.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return ExitCodes.OK;
        }
        if (runner.accessDenied().isPresent()) {
            throw new NotAuthorizedException(runner.accessDenied().get());
        }
        if (runner.schemaRefused().isPresent()) {
            throw new SchemaRefusedException(runner.schemaRefused().get());
        }
        return runner.anyFailed() ? ExitCodes.FAILED : ExitCodes.OK;
    }

    /** The pipelines and their HTTP endpoint, closed together: the endpoint first, so it never reports a closed runner. */
    private static final class Instance implements AutoCloseable {
        private final PipelineRunner runner;
        private volatile Optional<HttpEndpoint> http = Optional.empty();

        Instance(PipelineRunner runner) {
            this.runner = runner;
        }

        @Override
        public void close() {
            http.ifPresent(HttpEndpoint::close);
            runner.close();
        }
    }
}
