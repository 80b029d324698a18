package io.eventpipelines.testing;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a topic from the beginning with a plain read_committed consumer, as a downstream user would: only
 * what exactly-once producers committed is seen.
 */
public final class TopicReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    public TopicReader(String bootstrapServers, String topic) {
        this(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), topic);
    }

    /** With client settings of its own (bootstrap servers, security). */
    public TopicReader(Map<String, Object> clientConfig, String topic) {
        Map<String, Object> config = new java.util.HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Everything read so far, after one more poll. */
    public List<ConsumerRecord<byte[], byte[]>> poll() {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return records;
    }

    /**
     * Everything readable now: one poll returns at most max.poll.records, so this polls until a poll brings
     * nothing new (which costs one empty poll).
     */
    public List<ConsumerRecord<byte[], byte[]>> drain() {
        int before;
        do {
            before = records.size();
            poll();
        } while (records.size() > before);
        return records;
    }

    /** Everything read so far, without polling. */
    public List<ConsumerRecord<byte[], byte[]>> records() {
        return records;
    }

    /** Polls until at least {@code count} records were read, then drains, so extra records show too. */
    public List<ConsumerRecord<byte[], byte[]>> readAtLeast(int count, Duration timeout) {
        Poll.until(timeout, count + " records", () -> poll().size() >= count);
        return drain();
    }

    @Override
    public void close() {
        consumer.close();
    }

    public static List<ConsumerRecord<byte[], byte[]>> read(String bootstrapServers, String topic, int count, Duration timeout) {
        try (TopicReader reader = new TopicReader(bootstrapServers, topic)) {
            return List.copyOf(reader.readAtLeast(count, timeout));
        }
    }
}
