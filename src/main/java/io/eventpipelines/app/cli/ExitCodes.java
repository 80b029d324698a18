package io.eventpipelines.app.cli;

import io.eventpipelines.app.InvalidConfigException;
import io.eventpipelines.app.NotAuthorizedException;
import io.eventpipelines.app.ResetRefusedException;
import io.eventpipelines.app.SchemaRefusedException;
import io.eventpipelines.app.StartupCheckException;
import io.eventpipelines.avro.SchemaRegistryException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Every exit code of the command line, and the one line each failure prints: scripts and orchestrators rely on
 * both, so they are defined here and nowhere else ({@code --help} lists them from {@link #DESCRIPTIONS}).
 */
public final class ExitCodes {
    public static final int OK = 0;
    /** Every pipeline stopped and one failed; for {@code schemas check}, a schema is incompatible. */
    public static final int FAILED = 1;
    /** An invalid configuration or usage: one line naming the key or the argument. */
    public static final int CONFIG = 2;
    /** Topics or schemas missing, the cluster or registry unreachable, or the registry URL not a registry. */
    public static final int NOT_READY = 3;
    /** Credentials or certificates refused, or an ACL missing: retrying cannot help, unlike exit 3. */
    public static final int NOT_AUTHORIZED = 4;
    /** A deployment error found at run time: the registry refuses a schema the app writes. Nothing was dead-lettered. */
    public static final int SCHEMA_REFUSED = 5;
    /** {@code reset}: a selected pipeline's consumer group still has members; nothing was changed. */
    public static final int RESET_REFUSED = 6;

    static final String[] DESCRIPTIONS = {
        "143:stopped by SIGTERM (130: Ctrl-C), after closing every pipeline",
        FAILED + ":every pipeline stopped, one failed",
        CONFIG + ":invalid configuration or usage",
        NOT_READY + ":topics or schemas missing, the cluster unreachable, or the registry URL does not answer as a "
                + "Schema Registry",
        NOT_AUTHORIZED
                + ":not authenticated or not authorized by the cluster/registry (credentials, certificates, ACLs)",
        SCHEMA_REFUSED
                + ":the registry refused an output's schema at run time (incompatible, not registered, read-only)",
        RESET_REFUSED + ":reset refused: a selected pipeline's group still has active members; nothing was changed"
    };

    private ExitCodes() {}

    /** Ends a command that threw one of the app's failures with its one line and its code; rethrows the rest. */
    static int handle(Exception error, CommandLine command) throws Exception {
        PrintWriter err = command.getErr();
        int code;
        String line;
        if (error instanceof InvalidConfigException) {
            code = CONFIG;
            line = "invalid configuration: " + error.getMessage();
        } else if (error instanceof NotAuthorizedException) {
            code = NOT_AUTHORIZED;
            line = error.getMessage();
        } else if (error instanceof SchemaRegistryException registryError && registryError.isAccessDenied()) {
            code = NOT_AUTHORIZED;
            line = "access denied: " + error.getMessage();
        } else if (error instanceof SchemaRefusedException) {
            code = SCHEMA_REFUSED;
            line = error.getMessage();
        } else if (error instanceof ResetRefusedException) {
            code = RESET_REFUSED;
            line = error.getMessage();
        } else if (error instanceof StartupCheckException) {
            code = NOT_READY;
            line = "cannot start: " + error.getMessage();
        } else {
            throw error;
        }
        err.println("event-pipelines: " + line);
        err.flush();
        return code;
    }
}
