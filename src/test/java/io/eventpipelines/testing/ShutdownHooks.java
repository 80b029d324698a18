package io.eventpipelines.testing;

/** Shutdown hooks of test helpers that clean up after themselves when closed normally. */
public final class ShutdownHooks {
    private ShutdownHooks() {}

    /** Removes {@code hook}, unless the JVM is already shutting down (and running it). */
    public static void remove(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running already
        }
    }
}
