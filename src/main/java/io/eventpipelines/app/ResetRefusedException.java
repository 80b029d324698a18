package io.eventpipelines.app;

/** {@code reset} would pull state from under running instances: nothing was changed; the message names them. */
public final class ResetRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ResetRefusedException(String message) {
        super(message);
    }
}
