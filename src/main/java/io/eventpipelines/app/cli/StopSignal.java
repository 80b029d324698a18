package io.eventpipelines.app.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C/SIGTERM for a command that loops until told to stop: the shutdown hook only raises the flag and
 * then holds the JVM until the command has finished cleaning up ({@link #close()}), so records in flight are
 * flushed and temporary files removed. Exiting from the hook instead would deadlock.
 */
final class StopSignal implements AutoCloseable {
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    StopSignal(String name) {
        hook = new Thread(
                () -> {
                    stopping.set(true);
                    try {
                        finished.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    boolean stopping() {
        return stopping.get();
    }

    void stop() {
        stopping.set(true);
    }

    @Override
    public void close() {
        stopping.set(true);
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running, and returns now that the latch is released
        }
    }
}
