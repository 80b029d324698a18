package io.eventpipelines.testing;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * An output topic under read_committed, each record decoded once and counted by what it answers (an order id,
 * a restock's identity): a test under continuous input asks "is everything sent so far answered?" many times,
 * and decoding the whole topic on every ask would cost more CPU than the app under test gets.
 */
public final class CommittedCounts implements AutoCloseable {
    private final TopicReader reader;
    private final RegistryDecoder decoder;
    private final Function<GenericRecord, String> identity;
    private final Map<String, Long> counts = new HashMap<>();
    private int decoded;

    public CommittedCounts(
            String bootstrapServers, String topic, RegistryDecoder decoder, Function<GenericRecord, String> identity) {
        this.reader = new TopicReader(bootstrapServers, topic);
        this.decoder = decoder;
        this.identity = identity;
    }

    /**
     * Everything readable now (polling until a poll brings nothing), every identity seen so far with how often.
     * Only once the input has stopped: while the app writes, there may never be an empty poll.
     */
    public Map<String, Long> readAll() {
        return count(reader.drain());
    }

    /** True once each of {@code identities} has been answered (at least once). One poll, for {@link Poll#until}. */
    public boolean answered(Collection<String> identities) {
        return count(reader.poll()).keySet().containsAll(identities);
    }

    /** Every record read so far, for checks on their content. */
    public List<ConsumerRecord<byte[], byte[]>> records() {
        return reader.records();
    }

    private Map<String, Long> count(List<ConsumerRecord<byte[], byte[]>> records) {
        for (; decoded < records.size(); decoded++) {
            counts.merge(identity.apply(decoder.decode(records.get(decoded).value())), 1L, Long::sum);
        }
        return counts;
    }

    @Override
    public void close() {
        reader.close();
    }
}
