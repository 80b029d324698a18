package io.eventpipelines.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads output topics from their ends on, as a downstream consumer would, and hands each record's latency to the
 * current phase. Two ways to time a record, one per watcher:
 * <ul>
 *   <li>appended: the record's LogAppendTime (its topics are created with {@code message.timestamp.type=LogAppendTime}),
 *   when the broker wrote it; how fast this consumer reads does not matter;
 *   <li>visible ({@code readCommitted}): the wall clock when {@code poll} returned it to this read_committed consumer,
 *   i.e. once its transaction committed. Then this consumer must fetch promptly: {@code fetch.max.wait.ms} is
 *   {@value #VISIBLE_FETCH_MAX_WAIT_MS} ms (Kafka's default is 500), so a fetch that found nothing committed is
 *   answered within that and sent again: the receipt trails the commit by at most about that plus a round trip.
 * </ul>
 * Each record is matched to its input's creation time by the event timestamp the topology copies into it.
 */
final class OutputWatcher implements Runnable {
    static final int VISIBLE_FETCH_MAX_WAIT_MS = 10;

    private final String name;
    private final boolean readCommitted;
    private final Map<String, ToLongFunction<ConsumerRecord<byte[], byte[]>>> eventTimes;
    private final Supplier<LatencyBenchmark.Phase> phase;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stopped;
    private long notLogAppendTime;

    /** @param eventTimes each topic's way to read the input's creation time (epoch ms) from a record */
    OutputWatcher(
            String name,
            String bootstrapServers,
            boolean readCommitted,
            Map<String, ToLongFunction<ConsumerRecord<byte[], byte[]>>> eventTimes,
            Supplier<LatencyBenchmark.Phase> phase) {
        this.name = name;
        this.readCommitted = readCommitted;
        this.eventTimes = eventTimes;
        this.phase = phase;
        Map<String, Object> config = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.CLIENT_ID_CONFIG,
                "latency-watch-" + name,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                readCommitted ? "read_committed" : "read_uncommitted"));
        if (readCommitted) {
            config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(VISIBLE_FETCH_MAX_WAIT_MS));
        }
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this, "latency-watch-" + name);
    }

    /** Starts reading from the current ends of the topics; returns once positioned there. */
    void start() throws InterruptedException {
        thread.start();
        if (!positioned.await(60, TimeUnit.SECONDS) || failure.get() != null) {
            throw new IllegalStateException("watcher " + name + " not positioned", failure.get());
        }
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            eventTimes
                    .keySet()
                    .forEach(topic -> consumer.partitionsFor(topic, Duration.ofSeconds(30))
                            .forEach(info -> partitions.add(new TopicPartition(topic, info.partition()))));
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            positioned.countDown();
            while (!stopped) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                long received = System.currentTimeMillis();
                LatencyBenchmark.Phase current = phase.get();
                if (current == null) {
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (!readCommitted && record.timestampType() != TimestampType.LOG_APPEND_TIME) {
                        notLogAppendTime++;
                        continue;
                    }
                    long event = eventTimes.get(record.topic()).applyAsLong(record);
                    current.record(record.topic(), event, record.timestamp(), received);
                }
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            positioned.countDown();
            consumer.close(Duration.ofSeconds(10));
        }
    }

    /** Records skipped because their topic does not stamp LogAppendTime (the topics were not created by the benchmark). */
    long notLogAppendTime() {
        return notLogAppendTime;
    }

    void stop() throws InterruptedException {
        stopped = true;
        consumer.wakeup();
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }

    Throwable failure() {
        return failure.get() instanceof WakeupException ? null : failure.get();
    }
}
