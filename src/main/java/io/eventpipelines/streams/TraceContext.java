package io.eventpipelines.streams;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;

/**
 * W3C trace context on records. Kafka Streams passes an input record's headers to every record written because of it,
 * so a {@code traceparent} reaches alerts, routed logs, inventory updates (through the repartition topic) and
 * notifications by itself. A window's result is the exception: it is emitted when a later record closes the window
 * and would carry that record's trace, which did not cause it. A window keeps the trace of its records in its
 * aggregate while it has exactly one ({@link #attached()} gives an aggregator the record's trace), and its result
 * carries that one cause's trace, or none ({@link #singleCause}).
 */
public final class TraceContext {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final List<String> KEYS = List.of(TRACEPARENT, TRACESTATE);

    private TraceContext() {}

    /** One record's trace context: its {@code traceparent} and {@code tracestate} (null when it had none). */
    public record Cause(String traceparent, String tracestate) {
        /** The trace context in {@code headers}; null without a {@code traceparent}. */
        public static Cause of(Headers headers) {
            return of(text(headers.lastHeader(TRACEPARENT)), text(headers.lastHeader(TRACESTATE)));
        }

        /** The trace context an aggregate kept; null without a {@code traceparent}. */
        public static Cause of(String traceparent, String tracestate) {
            return traceparent == null ? null : new Cause(traceparent, tracestate);
        }

        /** Null for a missing header and for one without a value, which a producer may send. */
        private static String text(Header header) {
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    }

    /** A value with the trace context of the record it arrived in ({@code cause} null without one). */
    public record Traced<V>(V value, Cause cause) {}

    /** A step that gives each value its record's trace context, for an aggregator, which sees values only. */
    public static <K, V> FixedKeyProcessorSupplier<K, V, Traced<V>> attached() {
        return Steps.each(record -> record.withValue(new Traced<>(record.value(), Cause.of(record.headers()))));
    }

    /**
     * A step that gives each record the trace context of its value's single cause, as {@code cause} finds it, and
     * no other: null (no cause, or several) removes it.
     */
    public static <K, V> FixedKeyProcessorSupplier<K, V, V> singleCause(Function<V, Cause> cause) {
        return Steps.each(record -> {
            Cause single = cause.apply(record.value());
            Headers headers = record.headers();
            if (single == null && KEYS.stream().noneMatch(key -> headers.lastHeader(key) != null)) {
                return record;
            }
            RecordHeaders kept = new RecordHeaders();
            headers.forEach(header -> {
                if (!KEYS.contains(header.key())) {
                    kept.add(header);
                }
            });
            if (single != null) {
                kept.add(TRACEPARENT, single.traceparent().getBytes(StandardCharsets.UTF_8));
                if (single.tracestate() != null) {
                    kept.add(TRACESTATE, single.tracestate().getBytes(StandardCharsets.UTF_8));
                }
            }
            return record.withHeaders(kept);
        });
    }
}
