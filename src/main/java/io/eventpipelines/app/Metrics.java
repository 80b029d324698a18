package io.eventpipelines.app;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The instance's metrics in Prometheus form: the JVM's, and every Kafka Streams metric of every pipeline
 * (client, thread, task, processor and store metrics, our own sensors included) tagged {@code pipeline}.
 * The Kafka binder follows metrics as threads and tasks come and go, so rebalances and thread replacement
 * need nothing from us.
 */
final class Metrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<AutoCloseable> bound = new ArrayList<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Duration refreshInterval;

    /**
     * @param refreshInterval how often the Kafka binders look for metrics that appeared since (task, store and
     *                        topic metrics appear as tasks are assigned)
     */
    Metrics(Duration refreshInterval) {
        this.refreshInterval = refreshInterval;
        registry.config().meterFilter(STORE_TAG);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    /**
     * Kafka Streams names a store's tag after the store's type ({@code rocksdb-state-id},
     * {@code in-memory-window-state-id}, ...), so one store metric has different tag keys for stores of different
     * types, and Prometheus takes only the first set of keys: the metric of every other store type was dropped with
     * a warning. Every store's tag is {@code store} instead. The number of tags must not change: Micrometer's Kafka
     * binder takes a registered meter with more tags than a metric for a more specific one and skips the metric.
     */
    static final MeterFilter STORE_TAG = new MeterFilter() {
        @Override
        public Meter.Id map(Meter.Id id) {
            if (!id.getName().startsWith("kafka.stream.state.")) {
                return id;
            }
            List<Tag> tags = new ArrayList<>();
            for (Tag tag : id.getTagsAsIterable()) {
                tags.add(tag.getKey().endsWith(".state.id") ? Tag.of("store", tag.getValue()) : tag);
            }
            return id.replaceTags(tags);
        }
    };

    synchronized void bind(Pipeline pipeline, KafkaStreams streams) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metrics-" + pipeline.id());
            thread.setDaemon(true);
            return thread;
        });
        KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams, Tags.of("pipeline", pipeline.id()), scheduler, refreshInterval);
        bound.add(() -> {
            try {
                binder.close();
            } finally {
                // Micrometer leaves a scheduler it was given running when the binder closes.
                scheduler.shutdownNow();
            }
        });
        binder.bindTo(registry);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    String scrape() {
        return registry.scrape();
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable binder : bound) {
            try {
                binder.close();
            } catch (Exception e) {
                // closing metrics must not stop the shutdown
            }
        }
        bound.clear();
        gc.close();
        registry.close();
    }
}
