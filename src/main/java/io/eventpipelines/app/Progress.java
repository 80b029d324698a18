package io.eventpipelines.app;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Whether a pipeline makes progress: records behind on its input partitions (by its group's committed offsets)
 * while its stream threads processed and committed nothing for longer than {@code health.stall.timeout.ms}. A
 * pipeline with nothing to do is idle, not stalled. A thread stuck in a processor, or failing the same record over
 * and over (a registry that never answers), stays RUNNING to Kafka Streams; this is what sees it.
 */
final class Progress {
    private static final long CALL_SECONDS = 5;
    private static final String THREAD_GROUP = "stream-thread-metrics";
    private static final List<String> WORK = List.of("process-total", "commit-total");

    private final Duration timeout;
    private final LongSupplier clock;
    private final Map<String, Mark> marks = new ConcurrentHashMap<>();

    /** The work counter last seen and when it last went up. */
    private record Mark(double work, long since) {}

    Progress(Duration timeout, LongSupplier nanoClock) {
        this.timeout = timeout;
        this.clock = nanoClock;
    }

    /**
     * Input partitions behind ({@code topic-partition} to records): their end offsets less the group's committed
     * offsets, or less their first offsets where the group has committed nothing yet. From the group, not from its
     * consumers, so that a partition nobody holds (a replaced thread's, until its session expires) still counts.
     */
    static Map<String, Long> behind(Admin admin, String group, Collection<String> topics) throws Exception {
        Set<TopicPartition> partitions = new HashSet<>();
        admin.describeTopics(topics)
                .allTopicNames()
                .get(CALL_SECONDS, TimeUnit.SECONDS)
                .forEach((topic, description) -> description
                        .partitions()
                        .forEach(partition -> partitions.add(new TopicPartition(topic, partition.partition()))));
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(CALL_SECONDS, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                offsets(admin, partitions, OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts =
                offsets(admin, partitions, OffsetSpec.earliest());
        Map<String, Long> behind = new TreeMap<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata done = committed.get(partition);
            long from = done != null ? done.offset() : starts.get(partition).offset();
            long lag = ends.get(partition).offset() - from;
            if (lag > 0) {
                behind.put(partition.topic() + "-" + partition.partition(), lag);
            }
        }
        return behind;
    }

    private static Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets(
            Admin admin, Set<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(partition -> request.put(partition, spec));
        return admin.listOffsets(request).all().get(CALL_SECONDS, TimeUnit.SECONDS);
    }

    private static double work(KafkaStreams streams) {
        double work = 0;
        for (Map.Entry<MetricName, ? extends Metric> entry : streams.metrics().entrySet()) {
            if (entry.getKey().group().equals(THREAD_GROUP)
                    && WORK.contains(entry.getKey().name())
                    && entry.getValue().metricValue() instanceof Number count
                    && !Double.isNaN(count.doubleValue())) {
                work += count.doubleValue();
            }
        }
        return work;
    }

    /**
     * The partitions a pipeline is stuck behind on, or none. Progress is the threads' processed and committed counts
     * going up; a replaced thread starts its counts again, which is not progress.
     */
    Map<String, Long> stalled(String pipeline, KafkaStreams streams, Map<String, Long> behind) {
        if (behind.isEmpty()) {
            marks.remove(pipeline); // idle: the clock starts when records are first seen waiting
            return Map.of();
        }
        long now = clock.getAsLong();
        double work = work(streams);
        Mark mark = marks.compute(
                pipeline,
                (key, last) -> last == null || work > last.work() ? new Mark(work, now) : new Mark(work, last.since()));
        return now - mark.since() > timeout.toNanos() ? behind : Map.of();
    }
}
