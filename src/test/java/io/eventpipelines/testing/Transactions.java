package io.eventpipelines.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** What exactly-once producers left in a topic, seen from outside: open transactions and aborted records. */
public final class Transactions {
    private Transactions() {}

    /**
     * Where a topic's partitions end, summed: {@code highWatermark} is where read_uncommitted stops,
     * {@code stable} where read_committed stops (before the first record of a transaction still open).
     * Both count transaction markers too.
     */
    public record End(long highWatermark, long stable) {
        /** Records of transactions still open (an upper bound when several producers write). */
        public long pending() {
            return highWatermark - stable;
        }
    }

    public static End end(Admin admin, String topic) {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResultInfo> highWatermarks = admin.listOffsets(
                            latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                    .all()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResultInfo> stableOffsets = admin.listOffsets(
                            latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all()
                    .get(10, TimeUnit.SECONDS);
            return new End(
                    highWatermarks.values().stream()
                            .mapToLong(ListOffsetsResultInfo::offset)
                            .sum(),
                    stableOffsets.values().stream()
                            .mapToLong(ListOffsetsResultInfo::offset)
                            .sum());
        } catch (Exception e) {
            throw new IllegalStateException("cannot list the offsets of " + topic, e);
        }
    }

    /**
     * A condition for {@link Poll#until}: true once {@code topic} has {@code minStable} committed offsets and a
     * transaction still open that already wrote to it, the moment to crash a writer mid-transaction. It only
     * lists offsets, so it samples often enough to catch the short time a transaction is open. Exactly-once
     * apps work in bursts and may finish a backlog before such a moment is seen: when nothing is open and
     * nothing was committed for a second, {@code moreInput} gives them more to do.
     */
    public static BooleanSupplier openAfter(Admin admin, String topic, long minStable, Runnable moreInput) {
        long[] lastStable = {-1};
        long[] since = {System.nanoTime()};
        return () -> {
            End end = end(admin, topic);
            if (end.stable() != lastStable[0] || end.pending() > 0) {
                lastStable[0] = end.stable();
                since[0] = System.nanoTime();
            } else if (System.nanoTime() - since[0] > TimeUnit.SECONDS.toNanos(1)) {
                moreInput.run();
                since[0] = System.nanoTime();
            }
            return end.stable() >= minStable && end.pending() > 0;
        };
    }

    /** Every record in the topic, aborted ones included (transaction markers are not records). */
    public static long allRecords(String bootstrapServers, String topic, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_uncommitted"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long count = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "read_uncommitted did not reach the end of " + topic + " " + end + " in " + timeout);
                }
                count += consumer.poll(Duration.ofMillis(200)).count();
            }
            return count;
        }
    }
}
