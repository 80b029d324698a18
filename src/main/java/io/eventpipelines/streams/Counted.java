package io.eventpipelines.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;

/**
 * A named pass-through step that counts what flows through it in an application counter. The counter belongs
 * to the instance, not to a stream thread or task, so it keeps counting across rebalances and thread
 * replacement (Kafka Streams' own task metrics restart from zero when a task moves). A record reprocessed after
 * a crash is counted again, as Kafka's own metrics count it.
 *
 * <p>The count is taken when the record passes, before it is forwarded, outside any transaction: under
 * exactly-once, a transaction that aborts (a crash, a fenced producer, a failed commit) takes back what its records
 * wrote, not what they counted, and they are counted again when reprocessed. So an app counter can be higher than
 * what was committed downstream, never lower; read {@code read_committed} output for exact figures.
 */
public final class Counted {
    private Counted() {}

    /** An app counter with its Prometheus HELP text: every app counter says what it counts. */
    public static Counter counter(MeterRegistry meters, String name, String help, String... tags) {
        return Counter.builder(name).description(help).tags(tags).register(meters);
    }

    public static <K, V> FixedKeyProcessorSupplier<K, V, V> by(Counter counter) {
        return Steps.each(record -> {
            counter.increment();
            return record;
        });
    }
}
