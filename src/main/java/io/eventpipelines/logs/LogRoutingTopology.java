package io.eventpipelines.logs;

import io.eventpipelines.avro.AvroSerdes;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Level-based routing of application logs with {@code split()}: every event lands in exactly one of
 * {@code logs-error}, {@code logs-warn}, {@code logs-info}, {@code logs-debug} or, for UNKNOWN and for any
 * level symbol a newer producer added (Avro resolves it to the enum default UNKNOWN), {@code logs-other}.
 */
public final class LogRoutingTopology {
    public static final String APP_LOGS_TOPIC = "app-logs";
    public static final String OTHER_TOPIC = "logs-other";

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
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private LogRoutingTopology() {
    }

    /** Every topic this pipeline routes to, {@link #OTHER_TOPIC} last. */
    public static List<String> outputTopics() {
        List<String> topics = new ArrayList<>();
        for (Route route : Route.values()) {
            topics.add(route.topic);
        }
        topics.add(OTHER_TOPIC);
        return topics;
    }

    public static Topology build(Properties streamsConfig, AvroSerdes serdes) {
        Serde<LogEvent> logSerde = serdes.value(LogEvent.class);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsConfig)));
        BranchedKStream<String, LogEvent> byLevel = builder
                .stream(APP_LOGS_TOPIC, Consumed.with(Serdes.String(), logSerde).withName("app-logs-source"))
                .mapValues(LogRoutingTopology::requireEvent, Named.as("validate-log-event"))
                .split(Named.as("level-"));
        for (Route route : Route.values()) {
            byLevel.branch((service, event) -> route.levels.contains(event.getLevel()),
                    Branched.withConsumer(events -> events.to(route.topic,
                            Produced.with(Serdes.String(), logSerde).withName(route.topic + "-sink")), route.branchName()));
        }
        byLevel.defaultBranch(Branched.withConsumer(events -> events.to(OTHER_TOPIC,
                Produced.with(Serdes.String(), logSerde).withName(OTHER_TOPIC + "-sink")), "other"));
        return builder.build(streamsConfig);
    }

    static LogEvent requireEvent(LogEvent event) {
        if (event == null) {
            throw new IllegalArgumentException("log event has no value (null record value)");
        }
        return event;
    }
}
