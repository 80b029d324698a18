package io.eventpipelines.streams;

import org.apache.kafka.common.header.Headers;

/**
 * Thrown by a step that rejects a record it can no longer dead-letter as the bytes Kafka Streams read: after a
 * repartition those are the internal topic's bytes, which a user cannot understand or replay. The step supplies
 * the record as it was in its user-facing topic instead (key and value in that topic's format, where it was read
 * from), and the processing exception handler writes exactly that, with {@code reason} in the usual
 * {@code __streams.errors.*} headers.
 */
public final class DeadLetter extends RuntimeException {
    private final String topic;
    private final int partition;
    private final long offset;
    private final byte[] key;
    private final byte[] value;
    private final transient Headers headers;

    /**
     * @param reason    why the record is rejected; its class and message become the dead letter's reason headers
     * @param topic     the user-facing topic the record was read from, and can be replayed to
     * @param partition where in {@code topic} it was read, or -1 if unknown
     * @param offset    where in {@code topic} it was read, or -1 if unknown
     * @param headers   the record's own headers, to keep on the dead letter
     */
    public DeadLetter(
            Exception reason, String topic, int partition, long offset, byte[] key, byte[] value, Headers headers) {
        super(reason.getMessage(), reason);
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
        this.headers = headers;
    }

    public Exception reason() {
        return (Exception) getCause();
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    public byte[] key() {
        return key;
    }

    public byte[] value() {
        return value;
    }

    public Headers headers() {
        return headers;
    }
}
