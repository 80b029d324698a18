package io.eventpipelines.streams;

import io.micrometer.core.instrument.Counter;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;

/**
 * A named pass-through step that counts what flows through it in an application counter. The counter belongs
 * to the instance, not to a stream thread or task, so it keeps counting across rebalances and thread
 * replacement (Kafka Streams' own task metrics restart from zero when a task moves). A record reprocessed after
 * a crash is counted again, as Kafka's own metrics count it.
 */
public final class Counted {
    private Counted() {
    }

    public static <K, V> FixedKeyProcessorSupplier<K, V, V> by(Counter counter) {
        return Steps.each(record -> {
            counter.increment();
            return record;
        });
    }
}
