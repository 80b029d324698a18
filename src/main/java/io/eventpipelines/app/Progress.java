package io.eventpipelines.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a pipeline makes progress: records behind on its input partitions (by its group's committed offsets)
 * while its stream threads processed and committed nothing for longer than {@code health.stall.timeout.ms}. A
 * pipeline with nothing to do is idle, not stalled. A thread stuck in a processor, or failing the same record over
 * and over (a registry that never answers), stays RUNNING to Kafka Streams; this is what sees it.
 */
final class Progress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Progress.class);
    /** How often progress is sampled: a stall is seen at most this much after its timeout. */
    private static final long SAMPLE_SECONDS = 5;

    private static final long CALL_SECONDS = 5;
    private static final String THREAD_GROUP = "stream-thread-metrics";
    private static final List<String> WORK = List.of("process-total", "commit-total");

    private final AppConfig config;
    private final Map<Pipeline, KafkaStreams> streams;
    private final Duration timeout;
    private final Map<String, Mark> marks = new ConcurrentHashMap<>();
    private final Map<Pipeline, Long> recordsBehind = new ConcurrentHashMap<>();
    private final Admin admin;
    private final ScheduledExecutorService sampler;
    private volatile Map<String, Map<String, Long>> stalls = Map.of();

    /** The work counter last seen and when it last went up. */
    private record Mark(double work, long since) {}

    private Progress(AppConfig config, Map<Pipeline, KafkaStreams> streams) {
        this.config = config;
        this.streams = streams;
        this.timeout = config.healthStallTimeout();
        this.admin = TopicAdmin.admin(config);
        this.sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "health-progress");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Samples {@code streams}' progress every few seconds, so that a stall is timed from when it began rather than
     * from a probe (each sample costs four Admin requests per pipeline: topics, committed, first and end offsets),
     * and registers each pipeline's records-behind gauge in {@code registry}.
     */
    static Progress start(AppConfig config, Map<Pipeline, KafkaStreams> streams, MeterRegistry registry) {
        Progress progress = new Progress(config, streams);
        for (Pipeline pipeline : streams.keySet()) {
            Gauge.builder("eventpipelines.records.behind", progress.recordsBehind, b -> b.getOrDefault(pipeline, 0L))
                    .description("Records the pipeline is behind on its input: end offsets less its committed offsets")
                    .tag("pipeline", pipeline.id())
                    .strongReference(true)
                    .register(registry);
        }
        progress.sampler.scheduleWithFixedDelay(progress::sample, SAMPLE_SECONDS, SAMPLE_SECONDS, TimeUnit.SECONDS);
        return progress;
    }

    /**
     * The pipelines that are behind on their input and made no progress for {@code health.stall.timeout.ms}, with
     * the partitions (and records) they are behind on.
     */
    Map<String, Map<String, Long>> stalled() {
        return stalls;
    }

    private void sample() {
        try {
            Map<String, Map<String, Long>> now = new LinkedHashMap<>();
            for (Map.Entry<Pipeline, KafkaStreams> entry : streams.entrySet()) {
                Pipeline pipeline = entry.getKey();
                Map<String, Long> behind = behind(admin, config.applicationId(pipeline), pipeline.inputTopics());
                recordsBehind.put(
                        pipeline,
                        behind.values().stream().mapToLong(Long::longValue).sum());
                Map<String, Long> stuck = stalled(pipeline.id(), entry.getValue(), behind);
                if (!stuck.isEmpty()) {
                    now.put(pipeline.id(), stuck);
                }
            }
            if (!now.isEmpty() && !now.keySet().equals(stalls.keySet())) {
                log.error(
                        "Pipelines stalled, behind on their input without progress for {} ms: {}",
                        timeout.toMillis(),
                        now);
                for (Pipeline pipeline : streams.keySet()) {
                    if (now.containsKey(pipeline.id()) && !stalls.containsKey(pipeline.id())) {
                        log.error(
                                "Threads of the stalled pipeline {}, where they wait:{}",
                                pipeline.id(),
                                stacks(pipeline, streams.get(pipeline)));
                    }
                }
            }
            stalls = Collections.unmodifiableMap(now);
        } catch (Exception e) {
            // A failed pass must not cancel the next ones (a scheduled task that throws is not run again).
            log.debug("Could not check the pipelines' progress", e);
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        admin.close(Duration.ofSeconds(5));
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

    /**
     * The whole stacks of a pipeline's threads: its stream threads, their state updater, producer network and (classic
     * protocol) heartbeat threads, all named after its client id or application id. A liveness failure restarts the
     * instance and with it the evidence of where the pipeline was stuck; this keeps it in the log, once per stall.
     */
    private String stacks(Pipeline pipeline, KafkaStreams kafkaStreams) {
        Set<String> names = new HashSet<>();
        names.add(config.applicationId(pipeline));
        // A client.id of the user's own names the threads instead; one given to every pipeline names all of theirs.
        for (ThreadMetadata thread : kafkaStreams.metadataForLocalThreads()) {
            int suffix = thread.threadName().lastIndexOf("-StreamThread-");
            names.add(suffix > 0 ? thread.threadName().substring(0, suffix) : thread.threadName());
        }
        StringBuilder text = new StringBuilder();
        Thread.getAllStackTraces().entrySet().stream()
                .filter(entry -> names.stream()
                        .anyMatch(name -> isNamedAfter(entry.getKey().getName(), name)))
                .sorted(Comparator.comparing(entry -> entry.getKey().getName()))
                .forEach(entry -> {
                    Thread thread = entry.getKey();
                    StackTraceElement[] frames = entry.getValue();
                    text.append("\n\"").append(thread.getName()).append("\" ").append(thread.getState());
                    for (StackTraceElement frame : frames) {
                        text.append("\n\tat ").append(frame);
                    }
                });
        return text.toString();
    }

    /**
     * Kafka names a client's threads {@code <client id>-StreamThread-1}, {@code <client id>-StateUpdater-1},
     * {@code kafka-producer-network-thread | <client id>-StreamThread-1-producer} and
     * {@code kafka-coordinator-heartbeat-thread | <group id>}: matched whole, so that {@code x-logs} does not also
     * take {@code x-logs2}'s threads.
     */
    static boolean isNamedAfter(String threadName, String name) {
        return threadName.startsWith(name + "-")
                || threadName.endsWith("| " + name)
                || threadName.contains("| " + name + "-");
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
    private Map<String, Long> stalled(String pipeline, KafkaStreams streams, Map<String, Long> behind) {
        if (behind.isEmpty()) {
            marks.remove(pipeline); // idle: the clock starts when records are first seen waiting
            return Map.of();
        }
        long now = System.nanoTime();
        double work = work(streams);
        Mark mark = marks.compute(
                pipeline,
                (key, last) -> last == null || work > last.work() ? new Mark(work, now) : new Mark(work, last.since()));
        return now - mark.since() > timeout.toNanos() ? behind : Map.of();
    }
}
