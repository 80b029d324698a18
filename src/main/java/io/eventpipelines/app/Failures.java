package io.eventpipelines.app;

import io.eventpipelines.avro.SchemaRegistryUnavailableException;

/** How the app tells transient infrastructure failures from bad records. */
final class Failures {
    private Failures() {
    }

    /**
     * A registry that cannot be reached says nothing about the record being read: dead-lettering it would
     * flood the DLQ with good records during an outage, so such failures must fail the task instead.
     */
    static boolean isRegistryOutage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryUnavailableException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
