package io.eventpipelines.app;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The instance's metrics in Prometheus form: the JVM's, and every Kafka Streams metric of every pipeline
 * (client, thread, task, processor and store metrics, our own sensors included) tagged {@code pipeline}.
 * The Kafka binder follows metrics as threads and tasks come and go, so rebalances and thread replacement
 * need nothing from us, as long as the pipelines are {@link StoreTaggedKafkaStreams}.
 */
public final class Metrics implements AutoCloseable {
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
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

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
