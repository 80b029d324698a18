package io.eventpipelines.streams;

import java.util.function.UnaryOperator;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/** A {@code processValues} step that turns each record into exactly one record of the same key. */
final class Steps {
    private Steps() {}

    static <K, V> FixedKeyProcessorSupplier<K, V, V> each(UnaryOperator<FixedKeyRecord<K, V>> step) {
        return () -> new FixedKeyProcessor<>() {
            private FixedKeyProcessorContext<K, V> context;

            @Override
            public void init(FixedKeyProcessorContext<K, V> context) {
                this.context = context;
            }

            @Override
            public void process(FixedKeyRecord<K, V> record) {
                context.forward(step.apply(record));
            }
        };
    }
}
