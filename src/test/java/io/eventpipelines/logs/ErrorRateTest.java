package io.eventpipelines.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.PipelineTestDriver;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ERROR and FATAL events per service per 1-minute window on {@code log-error-rates}, once per closed window. */
class ErrorRateTest {
    private static final Instant W0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant W1 = W0.plus(LogRoutingTopology.ERROR_RATE_WINDOW);
    private static final Instant W2 = W1.plus(LogRoutingTopology.ERROR_RATE_WINDOW);

    private PipelineTestDriver pipeline;
    private TestInputTopic<String, LogEvent> logs;
    private TestOutputTopic<String, ServiceErrorRate> rates;

    private void open(Map<String, String> overrides) {
        pipeline = PipelineTestDriver.start(Pipeline.LOGS, overrides);
        logs = pipeline.input(LogRoutingTopology.APP_LOGS_TOPIC, LogEvent.class);
        rates = pipeline.output(LogRoutingTopology.ERROR_RATES_TOPIC, ServiceErrorRate.class);
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /** Logged at {@code at}, produced at noon. */
    private void log(String service, LogLevel level, Instant at) {
        // Keys are not the service: the pipeline regroups by the event's own service field.
        logs.pipeInput(
                "host-" + service.length(),
                new LogEvent(at, level, service, "m", null),
                PipelineTestDriver.PRODUCED_AT);
    }

    private static ServiceErrorRate rate(String service, Instant start, long errors) {
        return new ServiceErrorRate(service, start, start.plus(LogRoutingTopology.ERROR_RATE_WINDOW), errors);
    }

    @Test
    void countsErrorAndFatalPerServiceOnceTheWindowCloses() {
        open(Map.of());
        log("checkout", LogLevel.ERROR, W0.plusSeconds(1));
        log("checkout", LogLevel.FATAL, W0.plusSeconds(2));
        log("checkout", LogLevel.WARN, W0.plusSeconds(3));
        log("checkout", LogLevel.INFO, W0.plusSeconds(4));
        log("search", LogLevel.ERROR, W0.plusSeconds(5));
        log("search", LogLevel.ERROR, W1.plusSeconds(9));
        assertTrue(rates.isEmpty(), "inside the default 10 s grace");

        log("checkout", LogLevel.ERROR, W1.plusSeconds(10));
        assertEquals(
                List.of(
                        KeyValue.pair("checkout", rate("checkout", W0, 2)),
                        KeyValue.pair("search", rate("search", W0, 1))),
                rates.readKeyValuesToList());

        log("search", LogLevel.ERROR, W2.plusSeconds(10));
        assertEquals(
                List.of(rate("checkout", W1, 1), rate("search", W1, 1)), rates.readValuesToList(), "each window once");
    }

    @Test
    void aWindowWithoutErrorsEmitsNothing() {
        open(Map.of());
        log("quiet", LogLevel.INFO, W0.plusSeconds(1));
        log("quiet", LogLevel.WARN, W0.plusSeconds(2));
        log("loud", LogLevel.ERROR, W1.plusSeconds(30));
        log("loud", LogLevel.ERROR, W2.plusSeconds(30));
        assertEquals(List.of(rate("loud", W1, 1)), rates.readValuesToList());
    }

    @Test
    void outOfOrderWithinTheGraceCountsAndLaterThanTheGraceIsDropped() {
        open(Map.of());
        log("api", LogLevel.ERROR, W0.plusSeconds(50));
        log("api", LogLevel.ERROR, W1.plusSeconds(5));
        log("api", LogLevel.ERROR, W0.plusSeconds(10));
        log("api", LogLevel.ERROR, W1.plusSeconds(10));
        assertEquals(List.of(rate("api", W0, 2)), rates.readValuesToList());

        log("api", LogLevel.FATAL, W0.plusSeconds(20));
        log("api", LogLevel.ERROR, W2.plusSeconds(10));
        assertEquals(List.of(rate("api", W1, 2)), rates.readValuesToList(), "the late FATAL is in neither window");
    }

    @Test
    void theGraceIsConfigurable() {
        open(Map.of("logs.error.rate.grace.ms", "0"));
        log("api", LogLevel.ERROR, W0.plusSeconds(10));
        log("api", LogLevel.ERROR, W1);
        assertEquals(List.of(rate("api", W0, 1)), rates.readValuesToList());
    }

    @Test
    void errorsAreStillRoutedAndEveryBranchIsCounted() {
        open(Map.of());
        log("api", LogLevel.ERROR, W0);
        log("api", LogLevel.FATAL, W0);
        log("api", LogLevel.INFO, W0);
        log("api", LogLevel.UNKNOWN, W0);
        assertEquals(
                2,
                pipeline.output("logs-error", LogEvent.class).readValuesToList().size());
        assertEquals(2.0, pipeline.count(LogRoutingTopology.ROUTED_METER, "branch", "error"));
        assertEquals(1.0, pipeline.count(LogRoutingTopology.ROUTED_METER, "branch", "info"));
        assertEquals(1.0, pipeline.count(LogRoutingTopology.ROUTED_METER, "branch", "other"));
        assertEquals(0.0, pipeline.count(LogRoutingTopology.ROUTED_METER, "branch", "warn"));
    }
}
