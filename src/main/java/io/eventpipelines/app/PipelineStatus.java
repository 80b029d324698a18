package io.eventpipelines.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * What one pipeline is doing, for the health answers: its threads with their active and standby tasks, how far each
 * store restoring now has got, and how long ago its last rebalance ended.
 */
final class PipelineStatus implements StateRestoreListener {
    /** Restored and total records of one changelog partition being restored. */
    private record Restore(long restored, long total) {}

    private final Map<String, Restore> restoring = new ConcurrentHashMap<>();
    private volatile long lastRebalanceEnded = System.nanoTime();

    void onStateChange(KafkaStreams.State next) {
        if (next == KafkaStreams.State.RUNNING) {
            lastRebalanceEnded = System.nanoTime();
        }
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startOffset, long endOffset) {
        restoring.put(key(store, partition), new Restore(0, Math.max(0, endOffset - startOffset)));
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        restoring.computeIfPresent(
                key(store, partition),
                (key, restore) -> new Restore(restore.restored() + numRestored, restore.total()));
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        restoring.remove(key(store, partition));
    }

    private static String key(String store, TopicPartition partition) {
        return store + "-" + partition.partition();
    }

    private static List<String> tasks(Set<TaskMetadata> tasks) {
        return tasks.stream().map(PipelineStatus::task).sorted().toList();
    }

    /** {@code threads} (name, state, active and standby tasks), {@code restoring}, {@code sinceRebalanceMs}. */
    Map<String, Object> describe(KafkaStreams streams) {
        List<Map<String, Object>> threads = new ArrayList<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("name", thread.threadName());
            fields.put("state", thread.threadState());
            fields.put("activeTasks", tasks(thread.activeTasks()));
            fields.put("standbyTasks", tasks(thread.standbyTasks()));
            threads.add(fields);
        }
        Map<String, Map<String, Long>> restores = new TreeMap<>();
        restoring.forEach(
                (key, restore) -> restores.put(key, Map.of("restored", restore.restored(), "total", restore.total())));
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("threads", threads);
        status.put("restoring", restores);
        status.put(
                "sinceRebalanceMs",
                Duration.ofNanos(System.nanoTime() - lastRebalanceEnded).toMillis());
        return status;
    }

    /** {@code <store>-<partition>} to its restored and total records, for the stores restoring now. */
    Map<String, Map<String, Long>> restoringNow() {
        Map<String, Map<String, Long>> restores = new TreeMap<>();
        restoring.forEach((key, restore) -> {
            Map<String, Long> progress = new LinkedHashMap<>();
            progress.put("restored", restore.restored());
            progress.put("total", restore.total());
            restores.put(key, progress);
        });
        return restores;
    }

    private static String task(TaskMetadata task) {
        return task.taskId().toString();
    }
}
