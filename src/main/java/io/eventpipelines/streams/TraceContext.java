package io.eventpipelines.streams;

import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;

/**
 * W3C trace context on records. Kafka Streams passes an input record's headers to every record written because of it,
 * so a {@code traceparent} reaches alerts, routed logs, inventory updates (through the repartition topic) and
 * notifications by itself. A window's result is the exception: it is emitted when a later record closes the
 * window and would carry that record's trace, which did not cause it; {@link #dropped()} removes it there.
 */
public final class TraceContext {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final List<String> KEYS = List.of(TRACEPARENT, TRACESTATE);

    private TraceContext() {}

    /** A step that passes records on without trace context, their other headers kept. */
    public static <K, V> FixedKeyProcessorSupplier<K, V, V> dropped() {
        return Steps.each(record -> {
            Headers headers = record.headers();
            if (KEYS.stream().noneMatch(key -> headers.lastHeader(key) != null)) {
                return record;
            }
            RecordHeaders kept = new RecordHeaders();
            headers.forEach(header -> {
                if (!KEYS.contains(header.key())) {
                    kept.add(header);
                }
            });
            return record.withHeaders(kept);
        });
    }
}
