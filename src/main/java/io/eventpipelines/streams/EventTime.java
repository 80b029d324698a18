package io.eventpipelines.streams;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;

/**
 * Event time (when the sensor measured, when the line was logged) for windowed aggregations.
 *
 * <p>Records keep the timestamp Kafka gave them until a window needs event time: {@link #stamp} then moves the
 * event time into the record timestamp, which windows and stream time follow. An event time later than its
 * record's timestamp by more than {@link #MAX_AHEAD} comes from a skewed clock and is rejected by
 * {@link #requirePlausible}: it would advance stream time and close everyone's windows early, and a broker
 * refuses records stamped more than {@code log.message.timestamp.after.max.ms} (1 h by default) in the future,
 * which would fail the task on every retry.
 */
public final class EventTime {
    /** How far an event time may be ahead of the record's timestamp: producers' clocks disagree a little. */
    public static final Duration MAX_AHEAD = Duration.ofMinutes(1);

    private EventTime() {}

    /** @throws IllegalArgumentException when {@code eventTime} is before 1970 or too far after the record's timestamp */
    public static void requirePlausible(Instant eventTime, long recordTimestamp, String what) {
        long at = eventTime.toEpochMilli();
        if (at < 0) {
            throw new IllegalArgumentException(what + " has timestamp " + eventTime + ", before 1970");
        }
        if (recordTimestamp >= 0 && at - recordTimestamp > MAX_AHEAD.toMillis()) {
            throw new IllegalArgumentException(what + " has timestamp " + eventTime + ", "
                    + Duration.ofMillis(at - recordTimestamp) + " after its record was produced ("
                    + Instant.ofEpochMilli(recordTimestamp) + "); more than " + MAX_AHEAD
                    + " ahead means the producer's clock is wrong");
        }
    }

    /** A step that re-stamps each record with its value's event time, for the windows downstream. */
    public static <K, V> FixedKeyProcessorSupplier<K, V, V> stamp(Function<V, Instant> time) {
        return Steps.each(
                record -> record.withTimestamp(time.apply(record.value()).toEpochMilli()));
    }
}
