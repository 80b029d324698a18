package io.eventpipelines.app;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance's metrics in Prometheus form: the JVM's, and every Kafka Streams metric of every pipeline
 * (client, thread, task, processor and store metrics, our own sensors included) tagged {@code pipeline}.
 * The Kafka binder follows metrics as threads and tasks come and go, so rebalances and thread replacement
 * need nothing from us.
 */
public final class Metrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Metrics.class);
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

    private static final String STATE_METRICS = "kafka.stream.state.";
    private static final String STATE_ID_SUFFIX = ".state.id";
    private static final String STORE = "store";

    /**
     * Kafka Streams names a store's tag after the store's type ({@code rocksdb-state-id},
     * {@code in-memory-window-state-id}, ...), so one store metric has different tag keys for stores of different
     * types, and Prometheus takes only the first set of keys: the metric of every other store type was dropped with
     * a warning. Every store's tag is {@code store} instead. The number of tags must not change: Micrometer's Kafka
     * binder takes a registered meter with more tags than a metric for a more specific one and skips the metric.
     * An id of any other shape is left alone, rather than risk merging two meters into one.
     */
    static final MeterFilter STORE_TAG = new MeterFilter() {
        @Override
        public Meter.Id map(Meter.Id id) {
            List<Tag> tags = id.getTags();
            if (!id.getName().startsWith(STATE_METRICS)
                    || id.getTag(STORE) != null
                    || tags.stream()
                                    .filter(tag -> tag.getKey().endsWith(STATE_ID_SUFFIX))
                                    .count()
                            != 1) {
                return id;
            }
            return id.replaceTags(tags.stream()
                    .map(tag -> tag.getKey().endsWith(STATE_ID_SUFFIX) ? Tag.of(STORE, tag.getValue()) : tag)
                    .toList());
        }
    };

    synchronized void bind(Pipeline pipeline, KafkaStreams streams) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metrics-" + pipeline.id());
            thread.setDaemon(true);
            return thread;
        });
        KafkaStreamsMetrics binder =
                new KafkaStreamsMetrics(streams, Tags.of("pipeline", pipeline.id()), scheduler, refreshInterval);
        bound.add(() -> {
            try {
                binder.close();
            } finally {
                // Micrometer leaves a scheduler it was given running when the binder closes.
                scheduler.shutdownNow();
            }
        });
        binder.bindTo(registry);
        scheduler.scheduleWithFixedDelay(
                () -> removeGoneStoreMeters(pipeline, streams),
                refreshInterval.toMillis(),
                refreshInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Micrometer's Kafka binder removes the meter of a Kafka metric that is gone by the id from before
     * {@link #STORE_TAG}, which the registry does not know (micrometer#7541): the meters of a store whose task
     * moved to another thread or instance stayed, frozen. This removes them, at the binder's pace.
     */
    private void removeGoneStoreMeters(Pipeline pipeline, KafkaStreams streams) {
        try {
            Set<List<String>> live = new HashSet<>();
            for (MetricName name : streams.metrics().keySet()) {
                name.tags().forEach((key, value) -> {
                    if (key.endsWith("-state-id")) {
                        live.add(List.of(
                                String.valueOf(name.tags().get("thread-id")),
                                String.valueOf(name.tags().get("task-id")),
                                value));
                    }
                });
            }
            for (Meter meter : registry.getMeters()) {
                Meter.Id id = meter.getId();
                if (id.getName().startsWith(STATE_METRICS)
                        && pipeline.id().equals(id.getTag("pipeline"))
                        && id.getTag(STORE) != null
                        && !live.contains(List.of(
                                String.valueOf(id.getTag("thread.id")),
                                String.valueOf(id.getTag("task.id")),
                                id.getTag(STORE)))) {
                    registry.remove(meter);
                }
            }
        } catch (RuntimeException e) {
            // A failed pass must not cancel the next ones (a scheduled task that throws is not run again).
            log.debug("Could not remove the meters of stores that are gone", e);
        }
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    public String scrape() {
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
