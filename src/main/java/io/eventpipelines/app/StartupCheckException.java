package io.eventpipelines.app;

/** The cluster or registry is not ready for the app (missing topics or schemas); the message says what to do. */
public final class StartupCheckException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StartupCheckException(String message) {
        super(message);
    }

    public StartupCheckException(String message, Throwable cause) {
        super(message, cause);
    }
}
