package io.eventpipelines.testing;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;

public final class Readers {
    private Readers() {
    }

    /**
     * Everything {@code reader} can read now: one {@link TopicReader#poll()} returns at most a consumer's
     * max.poll.records, so this polls until a poll brings nothing new (which costs one empty poll).
     */
    public static List<ConsumerRecord<byte[], byte[]>> drain(TopicReader reader) {
        int before;
        List<ConsumerRecord<byte[], byte[]>> records;
        do {
            before = reader.poll().size();
            records = reader.poll();
        } while (records.size() > before);
        return records;
    }
}
