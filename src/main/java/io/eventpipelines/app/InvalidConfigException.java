package io.eventpipelines.app;

/** A configuration the app cannot start with; its message is the one line shown to the user. */
public final class InvalidConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String key, String problem) {
        super(key + ": " + problem);
    }

    /** For messages that already name the key, such as Kafka's own ConfigException. */
    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
