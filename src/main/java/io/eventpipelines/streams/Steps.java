package io.eventpipelines.streams;

import java.util.function.Function;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/** A {@code processValues} step that turns each record into exactly one record of the same key. */
final class Steps {
    private Steps() {}

    static <K, V, W> FixedKeyProcessorSupplier<K, V, W> each(
            Function<FixedKeyRecord<K, V>, FixedKeyRecord<K, W>> step) {
        return () -> new FixedKeyProcessor<>() {
            private FixedKeyProcessorContext<K, W> context;

            @Override
            public void init(FixedKeyProcessorContext<K, W> context) {
                this.context = context;
            }

            @Override
            public void process(FixedKeyRecord<K, V> record) {
                context.forward(step.apply(record));
            }
        };
    }
}
