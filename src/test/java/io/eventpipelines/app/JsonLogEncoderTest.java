package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class JsonLogEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    private JsonNode encode(String thread, String message, Throwable error) throws Exception {
        JsonLogEncoder encoder = new JsonLogEncoder();
        encoder.setContext(context);
        encoder.start();
        LoggingEvent event = new LoggingEvent(
                getClass().getName(),
                context.getLogger("io.eventpipelines.app.PipelineRunner"),
                Level.WARN,
                message,
                error,
                null);
        event.setThreadName(thread);
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertTrue(line.endsWith("\n") && line.strip().lines().count() == 1, "one object per line: " + line);
        return JSON.readTree(line);
    }

    @Test
    void aStreamThreadsLineNamesItsPipeline() throws Exception {
        JsonNode line = encode(
                "app-inventory-0f8a6b3e-5c1d-4e2f-9a7b-3c4d5e6f7a8b-StreamThread-1",
                "Pipeline inventory: \"quoted\"",
                null);
        assertEquals("WARN", line.get("level").asText());
        assertEquals(
                "io.eventpipelines.app.PipelineRunner", line.get("loggerName").asText());
        assertEquals(
                "Pipeline inventory: \"quoted\"", line.get("formattedMessage").asText());
        assertTrue(line.get("timestamp").asLong() > 0);
        assertEquals("inventory", line.get("pipeline").asText());
        JsonNode producer = encode(
                "kafka-producer-network-thread | app-logs-0f8a6b3e-5c1d-4e2f-9a7b-3c4d5e6f7a8b-StreamThread-2-producer",
                "x",
                null);
        assertEquals("logs", producer.get("pipeline").asText());
    }

    @Test
    void otherLinesHaveNoPipelineAndAnExceptionIsAField() throws Exception {
        JsonNode line = encode("main", "failed", new IllegalStateException("boom"));
        assertFalse(line.has("pipeline"), line.toString());
        assertTrue(line.get("throwable").toString().contains("boom"), line.toString());
    }
}
