package io.eventpipelines.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, checking it every 50 ms, instead of sleeping for a guessed time. */
public final class Poll {
    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private Poll() {}

    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        if (!within(timeout, condition)) {
            throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
        }
    }

    /** Like {@link #until}, for callers that go on either way: whether {@code condition} held before the timeout. */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(INTERVAL_NANOS);
        }
        return true;
    }
}
