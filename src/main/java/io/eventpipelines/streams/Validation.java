package io.eventpipelines.streams;

import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;

/**
 * A validation step: the check throws {@link IllegalArgumentException} for a bad record, which the processing
 * exception handler sends to the pipeline's dead-letter topic with the message in its headers. Unlike
 * {@code mapValues}, the check sees the record's timestamp.
 */
public final class Validation {
    @FunctionalInterface
    public interface Check<K, V> {
        /** @return the value to pass on (null for a tombstone that may pass) */
        V require(K key, V value, long recordTimestamp);
    }

    private Validation() {}

    public static <K, V> FixedKeyProcessorSupplier<K, V, V> of(Check<K, V> check) {
        return Steps.each(record -> record.withValue(check.require(record.key(), record.value(), record.timestamp())));
    }
}
