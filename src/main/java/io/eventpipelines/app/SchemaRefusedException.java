package io.eventpipelines.app;

/**
 * The registry refused a schema the app writes, at run time: a deployment error (exit code 5), which stopped
 * every pipeline without dead-lettering anything. The message names the pipeline, subject and the registry's answer.
 */
public final class SchemaRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SchemaRefusedException(String message) {
        super(message);
    }
}
