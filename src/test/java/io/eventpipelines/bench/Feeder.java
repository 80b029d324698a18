package io.eventpipelines.bench;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One input's producer, on a thread of its own: record {@code i} is due {@code i / rate} seconds after the start, and
 * is created (its event timestamp and its record timestamp both set to the wall clock) and sent when it is due, so
 * the feed is an even stream, never a burst, whatever the app does. It is an open loop: a slow app does not slow
 * the feed, and a feed that falls behind its schedule says so ({@link #maxBehindMillis()}). {@code linger.ms=0}: a
 * record goes out as soon as the producer's sender is free (Kafka 4's default would hold each one up to 5 ms);
 * while a request is in flight the next records batch up by themselves.
 */
final class Feeder implements Runnable {
    /** Makes the record created at {@code createdMs}, and tells {@code expect} each output topic it should reach. */
    interface Source {
        ProducerRecord<byte[], byte[]> next(long createdMs, Consumer<String> expect);
    }

    private final String name;
    private final int rate;
    private final Source source;
    private final LatencyBenchmark.Phase phase;
    private final KafkaProducer<byte[], byte[]> producer;
    private final LatencyHistogram acks = new LatencyHistogram();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private long sentInWindow;
    private long maxBehindNanos;

    Feeder(String name, String bootstrapServers, int rate, Source source, LatencyBenchmark.Phase phase) {
        this.name = name;
        this.rate = rate;
        this.source = source;
        this.phase = phase;
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.LINGER_MS_CONFIG,
                        "0",
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "latency-feed-" + name),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        this.thread = new Thread(this, "latency-feed-" + name);
    }

    String name() {
        return name;
    }

    void start() {
        thread.start();
    }

    /** Waits until the feed stopped at the window's end and every record was acknowledged. */
    void join() throws InterruptedException {
        thread.join();
        if (failure.get() != null) {
            throw new IllegalStateException("feed " + name + " failed", failure.get());
        }
    }

    @Override
    public void run() {
        try {
            long start = System.nanoTime();
            for (long i = 0; ; i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                long created = System.currentTimeMillis();
                if (created >= phase.windowEndMs()) {
                    break;
                }
                boolean inWindow = phase.inWindow(created);
                if (inWindow) {
                    maxBehindNanos = Math.max(maxBehindNanos, -wait);
                    sentInWindow++;
                }
                ProducerRecord<byte[], byte[]> record = source.next(created, inWindow ? phase::expect : topic -> {});
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    } else if (inWindow) {
                        synchronized (acks) {
                            acks.record(System.currentTimeMillis() - created);
                        }
                    }
                });
                if (failure.get() != null) {
                    break;
                }
            }
            producer.flush();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            producer.close(Duration.ofSeconds(30));
        }
    }

    /** Records created within the window (read after {@link #join()}). */
    long sentInWindow() {
        return sentInWindow;
    }

    /** How late, at most, a record of the window was created against its schedule. */
    double maxBehindMillis() {
        return maxBehindNanos / (double) TimeUnit.MILLISECONDS.toNanos(1);
    }

    /** Creation to the producer's acknowledgement (acks=all) of the window's records. */
    LatencyHistogram acks() {
        synchronized (acks) {
            return acks;
        }
    }
}
