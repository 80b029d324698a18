package io.eventpipelines.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineTestDriver;
import io.eventpipelines.testing.Wire;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LogRoutingTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Map<LogLevel, String> EXPECTED_TOPIC = new EnumMap<>(Map.of(
            LogLevel.ERROR,
            "logs-error",
            LogLevel.FATAL,
            "logs-error",
            LogLevel.WARN,
            "logs-warn",
            LogLevel.INFO,
            "logs-info",
            LogLevel.DEBUG,
            "logs-debug",
            LogLevel.TRACE,
            "logs-debug",
            LogLevel.UNKNOWN,
            "logs-other"));

    private PipelineTestDriver pipeline;
    private TestInputTopic<String, LogEvent> logs;
    private final Map<String, TestOutputTopic<String, LogEvent>> outputs = new HashMap<>();

    @BeforeEach
    void start() {
        pipeline = PipelineTestDriver.start(Pipeline.LOGS);
        logs = pipeline.input(LogRoutingTopology.APP_LOGS_TOPIC, LogEvent.class);
        for (String topic : List.of("logs-error", "logs-warn", "logs-info", "logs-debug", "logs-other")) {
            outputs.put(topic, pipeline.output(topic, LogEvent.class));
        }
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private static LogEvent event(LogLevel level) {
        return new LogEvent(T0, level, "checkout", "something at " + level, "host-1");
    }

    @ParameterizedTest
    @EnumSource(LogLevel.class)
    void everyLevelLandsUnchangedInExactlyItsBranch(LogLevel level) {
        LogEvent event = event(level);
        logs.pipeInput("checkout", event);

        String expected = EXPECTED_TOPIC.get(level);
        outputs.forEach((topic, output) -> {
            if (topic.equals(expected)) {
                TestRecord<String, LogEvent> record = output.readRecord();
                assertEquals("checkout", record.key());
                assertEquals(event, record.value());
                assertTrue(output.isEmpty());
            } else {
                assertTrue(output.isEmpty(), level + " must not reach " + topic);
            }
        });
    }

    @Test
    void aNullKeyIsKeptAndNothingIsDropped() {
        for (LogLevel level : LogLevel.values()) {
            logs.pipeInput((String) null, event(level));
        }
        long total = 0;
        for (TestOutputTopic<String, LogEvent> output : outputs.values()) {
            for (TestRecord<String, LogEvent> record : output.readRecordsToList()) {
                assertNull(record.key());
                total++;
            }
        }
        assertEquals(LogLevel.values().length, total);
    }

    /** A newer producer added CRITICAL: this reader resolves it to the enum default, UNKNOWN, and routes it to logs-other. */
    @Test
    void aLevelSymbolFromANewerProducerGoesToOther() {
        Schema newer = new Schema.Parser()
                .parse(LogEvent.getClassSchema().toString().replace("\"UNKNOWN\"]", "\"UNKNOWN\",\"CRITICAL\"]"));
        int id = pipeline.serdes.client().register("app-logs-value", newer);
        GenericRecord record = new GenericData.Record(newer);
        record.put("timestamp", T0.toEpochMilli());
        record.put("level", new GenericData.EnumSymbol(newer.getField("level").schema(), "CRITICAL"));
        record.put("service", "payments");
        record.put("message", "disk on fire");
        record.put("host", null);
        pipeline.rawInput(LogRoutingTopology.APP_LOGS_TOPIC)
                .pipeInput("payments".getBytes(), Wire.encode(id, newer, record));

        LogEvent routed = outputs.get("logs-other").readValue();
        assertEquals(LogLevel.UNKNOWN, routed.getLevel());
        assertEquals("disk on fire", routed.getMessage());
        outputs.forEach((topic, output) -> assertTrue(output.isEmpty(), topic));
        assertTrue(pipeline.deadLetters().isEmpty());
    }
}
