package io.eventpipelines.logs;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.Decoded;
import io.eventpipelines.logs.internal.ErrorCount;
import io.eventpipelines.streams.Counted;
import io.eventpipelines.streams.EmitFinal;
import io.eventpipelines.streams.EventTime;
import io.eventpipelines.streams.PipelineTopics;
import io.eventpipelines.streams.TraceContext;
import io.eventpipelines.streams.TraceContext.Cause;
import io.eventpipelines.streams.TraceContext.Traced;
import io.eventpipelines.streams.Validation;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Application logs:
 * <ul>
 *   <li>level-based routing with {@code split()}: every event lands in exactly one of {@code logs-error},
 *   {@code logs-warn}, {@code logs-info}, {@code logs-debug} or, for UNKNOWN and for any level symbol a newer
 *   producer added (Avro resolves it to the enum default UNKNOWN), {@code logs-other};
 *   <li>per-service error rates: the ERROR and FATAL events of each service per 1-minute tumbling window of event
 *   time (the event's timestamp), one {@link ServiceErrorRate} per window on {@code log-error-rates}, emitted once
 *   when the window closes (its end plus the grace period, in stream time). The errors are regrouped by service
 *   through the {@code log-errors-by-service} repartition topic, since {@code app-logs} keys may be null.
 * </ul>
 */
public final class LogRoutingTopology {
    public static final String APP_LOGS_TOPIC = "app-logs";
    public static final String OTHER_TOPIC = "logs-other";
    public static final String ERROR_RATES_TOPIC = "log-error-rates";
    /** The repartition topic: {@code <application.id>-log-errors-by-service-repartition}. */
    public static final String ERRORS_BY_SERVICE = "log-errors-by-service";
    /**
     * The window store of {@link ErrorCount}s; its changelog is {@code <application.id>-log-error-windows-changelog}.
     * (Until 2026-12, {@code log-error-counts} held bare counts, without the trace of a window's single error.)
     */
    public static final String ERROR_COUNTS_STORE = "log-error-windows";

    public static final Duration ERROR_RATE_WINDOW = Duration.ofMinutes(1);
    public static final Duration DEFAULT_ERROR_RATE_GRACE = Duration.ofSeconds(10);
    /** Events routed, by branch, as {@code eventpipelines_logs_routed_total{branch=...}} in Prometheus. */
    public static final String ROUTED_METER = "eventpipelines.logs.routed";

    /** The level branches, in the order they are tested; whatever matches none goes to {@link #OTHER_TOPIC}. */
    public enum Route {
        ERROR("logs-error", EnumSet.of(LogLevel.ERROR, LogLevel.FATAL)),
        WARN("logs-warn", EnumSet.of(LogLevel.WARN)),
        INFO("logs-info", EnumSet.of(LogLevel.INFO)),
        DEBUG("logs-debug", EnumSet.of(LogLevel.DEBUG, LogLevel.TRACE));

        private final String topic;
        private final Set<LogLevel> levels;

        Route(String topic, Set<LogLevel> levels) {
            this.topic = topic;
            this.levels = levels;
        }

        public String topic() {
            return topic;
        }

        public Set<LogLevel> levels() {
            return levels;
        }

        String branchName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private LogRoutingTopology() {}

    /** What this topology reads and writes; its error events are repartitioned by service with Avro values. */
    public static final PipelineTopics TOPICS = topics();

    private static PipelineTopics topics() {
        PipelineTopics.Builder topics = PipelineTopics.builder().input(APP_LOGS_TOPIC, LogEvent.class);
        routedTopics().forEach(topic -> topics.output(topic, LogEvent.class));
        return topics.output(ERROR_RATES_TOPIC, ServiceErrorRate.class)
                .internal(PipelineTopics.repartition(ERRORS_BY_SERVICE), LogEvent.class)
                .internal(PipelineTopics.changelog(ERROR_COUNTS_STORE), ErrorCount.class)
                .build();
    }

    /** Every topic this pipeline routes to, {@link #OTHER_TOPIC} last. */
    public static List<String> routedTopics() {
        List<String> topics = new ArrayList<>();
        for (Route route : Route.values()) {
            topics.add(route.topic);
        }
        topics.add(OTHER_TOPIC);
        return topics;
    }

    /**
     * @param errorRateGrace how long after a window's end its late errors are still counted
     * @param meters         where the per-branch counters live
     */
    public static Topology build(
            Properties streamsConfig, AvroSerdes serdes, Duration errorRateGrace, MeterRegistry meters) {
        // Routing passes events on unchanged: the serde writes the bytes each was read from (under the routed
        // topic's schema id) rather than encoding it again, which was a sixth of this pipeline's time.
        Serde<Decoded<LogEvent>> routedSerde = serdes.decoded(LogEvent.class);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsConfig)));
        KStream<String, Decoded<LogEvent>> events = builder.stream(
                        APP_LOGS_TOPIC,
                        Consumed.with(Serdes.String(), routedSerde).withName("app-logs-source"))
                .processValues(
                        Validation.<String, Decoded<LogEvent>>of((key, event, timestamp) -> {
                            requireEvent(key, event == null ? null : event.value(), timestamp);
                            return event;
                        }),
                        Named.as("validate-log-event"));

        BranchedKStream<String, Decoded<LogEvent>> byLevel = events.split(Named.as("level-"));
        for (Route route : Route.values()) {
            byLevel.branch(
                    (service, event) -> route.levels.contains(event.value().getLevel()),
                    Branched.withConsumer(
                            routed -> sink(routed, route.topic, route.branchName(), routedSerde, meters),
                            route.branchName()));
        }
        byLevel.defaultBranch(
                Branched.withConsumer(other -> sink(other, OTHER_TOPIC, "other", routedSerde, meters), "other"));

        // The error events go through the repartition topic as the bytes they were read from, like routed ones,
        // and their headers with them; after it, each one's trace goes into its window's count.
        events.filter((key, event) -> Route.ERROR.levels.contains(event.value().getLevel()), Named.as("errors-only"))
                .processValues(EventTime.stamp(event -> event.value().getTimestamp()), Named.as("to-event-time"))
                .selectKey((key, event) -> event.value().getService(), Named.as("key-by-service"))
                .repartition(Repartitioned.<String, Decoded<LogEvent>>as(ERRORS_BY_SERVICE)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(routedSerde))
                .processValues(TraceContext.attached(), Named.as("attach-error-trace"))
                // Keyed by service already: grouping repartitions nothing, so the traced values need no serde.
                .groupByKey(Grouped.<String, Traced<Decoded<LogEvent>>>keySerde(Serdes.String()))
                .windowedBy(TimeWindows.ofSizeAndGrace(ERROR_RATE_WINDOW, errorRateGrace))
                // Emit-final (KIP-825), as for temperature statistics: one result per closed window.
                .emitStrategy(EmitStrategy.onWindowClose())
                .aggregate(
                        () -> new ErrorCount(0L, null, null),
                        (service, error, count) -> counted(count, error.cause()),
                        Named.as("count-errors"),
                        Materialized.<String, ErrorCount, WindowStore<Bytes, byte[]>>as(ERROR_COUNTS_STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(serdes.value(ErrorCount.class))
                                .withRetention(EmitFinal.retention(ERROR_RATE_WINDOW, errorRateGrace)))
                .toStream(Named.as("error-counts-to-stream"))
                // Emitted when a later error closes the window: its trace is not this result's cause.
                .processValues(TraceContext.singleCause(LogRoutingTopology::cause), Named.as("error-rate-trace"))
                .map(
                        (window, count) -> KeyValue.pair(window.key(), toErrorRate(window, count.getCount())),
                        Named.as("to-error-rate"))
                .to(
                        ERROR_RATES_TOPIC,
                        Produced.with(Serdes.String(), serdes.value(ServiceErrorRate.class))
                                .withName(ERROR_RATES_TOPIC + "-sink"));
        return builder.build(streamsConfig);
    }

    private static void sink(
            KStream<String, Decoded<LogEvent>> routed,
            String topic,
            String branch,
            Serde<Decoded<LogEvent>> logSerde,
            MeterRegistry meters) {
        routed.processValues(
                        Counted.by(Counted.counter(
                                meters,
                                ROUTED_METER,
                                "Log events routed, by the branch (level group) they went to",
                                "pipeline",
                                "logs",
                                "branch",
                                branch)),
                        Named.as("count-" + branch))
                .to(topic, Produced.with(Serdes.String(), logSerde).withName(topic + "-sink"));
    }

    /** One more error in a window; the first one's trace context is kept while it is the only one. */
    static ErrorCount counted(ErrorCount count, Cause cause) {
        if (count.getCount() == 0 && cause != null) {
            return new ErrorCount(1L, cause.traceparent(), cause.tracestate());
        }
        return new ErrorCount(count.getCount() + 1, null, null);
    }

    static Cause cause(ErrorCount count) {
        return Cause.of(count.getTraceparent(), count.getTracestate());
    }

    static ServiceErrorRate toErrorRate(Windowed<String> window, long count) {
        return ServiceErrorRate.newBuilder()
                .setService(window.key())
                .setWindowStart(Instant.ofEpochMilli(window.window().start()))
                .setWindowEnd(Instant.ofEpochMilli(window.window().end()))
                .setErrorCount(count)
                .build();
    }

    static LogEvent requireEvent(String key, LogEvent event, long recordTimestamp) {
        if (event == null) {
            throw new IllegalArgumentException("log event has no value (null record value)");
        }
        EventTime.requirePlausible(
                event.getTimestamp(), recordTimestamp, "log event of service '" + event.getService() + "'");
        return event;
    }
}
