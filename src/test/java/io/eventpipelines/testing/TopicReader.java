package io.eventpipelines.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic from the beginning with a plain read_committed consumer, as a downstream user would: only
 * what exactly-once producers committed is seen.
 */
public final class TopicReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    public TopicReader(String bootstrapServers, String topic) {
        this(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), topic);
    }

    /** With client settings of its own (bootstrap servers, security). */
    public TopicReader(Map<String, Object> clientConfig, String topic) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
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

    /**
     * Reads until this consumer's position reached, in every partition, the end the topic had when this was called
     * (its high watermark, transaction markers and open transactions included), and returns what it read. A
     * read_committed position passes a transaction's records and marker only once the transaction is over, so a
     * dead letter in a transaction still open at the call is waited for rather than missed; a record written
     * after the call may show too. Fails when the end is not reached within {@code timeout}: "no record seen in
     * a while" is never taken for "no record".
     */
    public List<ConsumerRecord<byte[], byte[]>> readToEnd(Map<String, Object> clientConfig, Duration timeout) {
        Map<TopicPartition, Long> end = highWatermarks(clientConfig, partitions);
        Poll.until(timeout, "the end of " + end + " read under read_committed", () -> {
            poll();
            return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
        });
        return records;
    }

    private static Map<TopicPartition, Long> highWatermarks(
            Map<String, Object> clientConfig, List<TopicPartition> partitions) {
        try (Admin admin = Admin.create(clientConfig)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .forEach((partition, info) -> end.put(partition, info.offset()));
            return end;
        } catch (Exception e) {
            throw new IllegalStateException("cannot list the end offsets of " + partitions, e);
        }
    }

    /**
     * Asserts that {@code topic} holds no committed record (at-least-once or transactional) up to its end at the
     * time of the call; see {@link #readToEnd}.
     */
    public static void assertEmpty(String bootstrapServers, String topic, Duration timeout, String message) {
        assertNone(bootstrapServers, topic, record -> true, timeout, message);
    }

    /** Like {@link #assertEmpty}, for the records {@code matching} selects (a topic other tests also write). */
    public static void assertNone(
            String bootstrapServers,
            String topic,
            Predicate<ConsumerRecord<byte[], byte[]>> matching,
            Duration timeout,
            String message) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (TopicReader reader = new TopicReader(config, topic)) {
            List<ConsumerRecord<byte[], byte[]>> found =
                    reader.readToEnd(config, timeout).stream().filter(matching).toList();
            if (!found.isEmpty()) {
                throw new AssertionError(message + ": " + found.size() + " record(s) in " + topic + ", first at "
                        + found.stream()
                                .limit(5)
                                .map(r -> r.partition() + "@" + r.offset())
                                .collect(Collectors.joining(", ")));
            }
        }
    }

    @Override
    public void close() {
        consumer.close();
    }

    public static List<ConsumerRecord<byte[], byte[]>> read(
            String bootstrapServers, String topic, int count, Duration timeout) {
        try (TopicReader reader = new TopicReader(bootstrapServers, topic)) {
            return List.copyOf(reader.readAtLeast(count, timeout));
        }
    }
}
