package io.eventpipelines.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

import java.time.Instant;
import java.util.function.Function;

/**
 * Event time from a field of the record's value (when the sensor measured, when the line was logged) rather
 * than when the record was produced, so that windows hold what happened in them even when records arrive late
 * or out of order. A value without a usable time (null, or before 1970) falls back to the record's own
 * timestamp; such a value is usually rejected downstream anyway, and dropping it here would bypass the
 * dead-letter topic.
 */
public final class EventTime<V> implements TimestampExtractor {
    private final Class<V> type;
    private final Function<V, Instant> time;

    private EventTime(Class<V> type, Function<V, Instant> time) {
        this.type = type;
        this.time = time;
    }

    public static <V> EventTime<V> of(Class<V> type, Function<V, Instant> time) {
        return new EventTime<>(type, time);
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        Object value = record.value();
        if (type.isInstance(value)) {
            Instant at = time.apply(type.cast(value));
            if (at != null && at.toEpochMilli() >= 0) {
                return at.toEpochMilli();
            }
        }
        return record.timestamp() >= 0 ? record.timestamp() : Math.max(partitionTime, 0);
    }
}
