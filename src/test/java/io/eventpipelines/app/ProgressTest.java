package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void aStallsThreadStacksAreThoseOfItsOwnClientNotOfOneWhoseNameItPrefixes() {
        String client = "app-logs-5f0c";
        assertTrue(Progress.isNamedAfter("app-logs-5f0c-StreamThread-1", client));
        assertTrue(Progress.isNamedAfter("app-logs-5f0c-StateUpdater-1", client));
        assertTrue(
                Progress.isNamedAfter("kafka-producer-network-thread | app-logs-5f0c-StreamThread-1-producer", client));
        assertTrue(Progress.isNamedAfter("kafka-coordinator-heartbeat-thread | app-logs", "app-logs"));
        assertFalse(Progress.isNamedAfter("kafka-coordinator-heartbeat-thread | app-logs2", "app-logs"));
        assertFalse(Progress.isNamedAfter("app-logs2-5f0c-StreamThread-1", "app-logs"));
        assertFalse(Progress.isNamedAfter("health-progress", "app-logs"));
    }
}
