package io.eventpipelines.app;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.avro.SchemaRegistryUnavailableException;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the selected pipelines, each as its own {@link KafkaStreams}, so that one failing or lagging pipeline
 * never stalls another. Closing leaves each consumer group at once (no wait for the session timeout before
 * the partitions move to the remaining instances), unless the instance has an {@code instance.id}: then it
 * stays in its groups, so that it gets its tasks back when it returns within the session timeout.
 */
public final class PipelineRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PipelineRunner.class);

    private final AppConfig config;
    private final Map<Pipeline, KafkaStreams> streams = Collections.synchronizedMap(new EnumMap<>(Pipeline.class));
    private final Map<Pipeline, KafkaStreams.State> finalStates =
            Collections.synchronizedMap(new EnumMap<>(Pipeline.class));
    private final CountDownLatch allStopped;
    private final Metrics metrics;
    private final Map<String, TopologyDescription> descriptions = Collections.synchronizedMap(new LinkedHashMap<>());
    private final AtomicReference<String> accessDenied = new AtomicReference<>();
    private final AtomicReference<String> schemaRefused = new AtomicReference<>();
    private AvroSerdes serdes;
    private volatile Progress progress;
    private final Map<Pipeline, PipelineStatus> statuses = new ConcurrentHashMap<>();
    private volatile boolean started;
    private volatile boolean closed;

    public PipelineRunner(AppConfig config) {
        this.config = config;
        this.allStopped = new CountDownLatch(config.pipelines().size());
        this.metrics = new Metrics(config.metricsRefreshInterval());
    }

    /**
     * Checks that topics (and, without auto-registration, schemas) are in place, then builds and starts every
     * selected pipeline; if one cannot be created, those already started are closed.
     */
    public void start() {
        try {
            serdes = new AvroSerdes(config.serdeConfig());
            try (Admin admin = TopicAdmin.admin(config)) {
                Preflight.topics(config, admin);
            }
            Preflight.schemas(config, serdes.client());
            for (Pipeline pipeline : config.pipelines()) {
                Topology topology = pipeline.buildTopology(config, serdes, metrics.registry());
                descriptions.put(pipeline.id(), topology.describe());
                Properties properties = config.streamsProperties(pipeline);
                properties.put(DeadLetterCounter.REGISTRY_CONFIG, metrics.registry());
                KafkaStreams instance = new StoreTaggedKafkaStreams(topology, properties);
                instance.setUncaughtExceptionHandler(error -> onUncaught(pipeline, error));
                PipelineStatus status = new PipelineStatus();
                statuses.put(pipeline, status);
                instance.setGlobalStateRestoreListener(status);
                instance.setStateListener((next, previous) -> {
                    status.onStateChange(next);
                    onStateChange(pipeline, next, previous);
                });
                metrics.bind(pipeline, instance);
                streams.put(pipeline, instance);
                instance.start();
                log.info(
                        "Pipeline {} started (application.id {})",
                        pipeline.id(),
                        properties.getProperty(StreamsConfig.APPLICATION_ID_CONFIG));
            }
            started = true;
            progress = Progress.start(config, streams, metrics.registry());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The pipelines that are behind on their input and made no progress for {@code health.stall.timeout.ms}, with
     * the partitions (and records) they are behind on. Liveness fails on any.
     */
    public Map<String, Map<String, Long>> stalled() {
        Progress watching = progress;
        return watching == null ? Map.of() : watching.stalled();
    }

    /**
     * Per pipeline: its threads with their active and standby tasks, the stores restoring now and how far, and the
     * milliseconds since its last rebalance ended.
     */
    public Map<String, Map<String, Object>> details() {
        Map<String, Map<String, Object>> details = new LinkedHashMap<>();
        streams.forEach((pipeline, instance) -> {
            PipelineStatus status = statuses.get(pipeline);
            if (status != null) {
                details.put(pipeline.id(), status.describe(instance));
            }
        });
        return details;
    }

    /** The state of each pipeline, in declaration order. */
    public Map<Pipeline, KafkaStreams.State> states() {
        Map<Pipeline, KafkaStreams.State> states = new EnumMap<>(Pipeline.class);
        streams.forEach((pipeline, instance) -> states.put(pipeline, instance.state()));
        return states;
    }

    /** Ready to serve: every pipeline RUNNING. */
    public boolean isReady() {
        Map<Pipeline, KafkaStreams.State> states = states();
        return started
                && !closed
                && states.size() == config.pipelines().size()
                && states.values().stream().allMatch(state -> state == KafkaStreams.State.RUNNING);
    }

    /** Alive unless a pipeline died: ERROR, or NOT_RUNNING without a close asked for. Rebalancing is alive. */
    public boolean isLive() {
        if (closed) {
            return true;
        }
        return stalled().isEmpty()
                && states().values().stream()
                        .noneMatch(state -> state == KafkaStreams.State.ERROR
                                || state == KafkaStreams.State.PENDING_ERROR
                                || (started && state == KafkaStreams.State.NOT_RUNNING));
    }

    /** Each pipeline's {@code Topology#describe()}, as started. */
    public Map<String, TopologyDescription> describe() {
        return Collections.unmodifiableMap(descriptions);
    }

    /** The {@code application.id} prefix: each pipeline's application id is it, a dash and the pipeline's id. */
    public String applicationIdPrefix() {
        return config.applicationIdPrefix();
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Waits until every pipeline has stopped, by {@link #close()} or by a fatal error. */
    public void awaitStopped() throws InterruptedException {
        allStopped.await();
    }

    /** True when some pipeline ended in ERROR rather than being closed. */
    public boolean anyFailed() {
        return finalStates.containsValue(KafkaStreams.State.ERROR);
    }

    public Map<Pipeline, KafkaStreams> streams() {
        return Collections.unmodifiableMap(streams);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (progress != null) {
            progress.close();
        }
        CloseOptions.GroupMembershipOperation membership = membershipOnClose(config);
        // Which one shows why partitions did or did not move to the other instances right after this close.
        String how = membership == CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
                ? "staying in its group as static member " + config.instanceId().orElseThrow()
                        + " until session.timeout.ms (its partitions wait for its return)"
                : "leaving its group (its partitions move to the other instances now)";
        // Every pipeline closes at once, all within shutdown.timeout.ms: a timeout zero only starts the close.
        long timeoutNanos = config.shutdownTimeout().toNanos();
        long deadline = System.nanoTime() + timeoutNanos;
        streams.forEach((pipeline, instance) -> {
            log.info("Closing pipeline {}, {}", pipeline.id(), how);
            instance.close(CloseOptions.groupMembershipOperation(membership).withTimeout(Duration.ZERO));
        });
        // Kafka Streams never interrupts its stream threads, and a thread waiting for a hung registry holds its
        // pipeline's close for up to schema.registry.call.timeout.ms. Half the time is theirs; then their waits end.
        if (!awaitClosed(membership, deadline - timeoutNanos / 2)) {
            log.warn(
                    "Pipelines still closing after {} ms; ending their waits for the Schema Registry",
                    config.shutdownTimeout().toMillis() / 2);
            closeRegistryClient();
        }
        if (!awaitClosed(membership, deadline)) {
            streams.forEach((pipeline, instance) -> {
                if (instance.state() != KafkaStreams.State.NOT_RUNNING
                        && instance.state() != KafkaStreams.State.ERROR) {
                    log.warn(
                            "Pipeline {} did not close within {} ms",
                            pipeline.id(),
                            config.shutdownTimeout().toMillis());
                }
            });
        }
        closeRegistryClient();
        metrics.close();
    }

    /**
     * A dynamic member leaves, so that its partitions move at once rather than after the session timeout. A
     * static member stays: leaving would remove its group.instance.id and rebalance the others now, and again
     * when it returns, which is what an instance.id is set to avoid.
     */
    /** Whether every pipeline reached a final state by {@code deadline} (a {@link System#nanoTime()}). */
    private boolean awaitClosed(CloseOptions.GroupMembershipOperation membership, long deadline) {
        boolean all = true;
        for (KafkaStreams instance : streams.values()) {
            // On a client already closing, close waits for a final state, at most the time given.
            long left = Math.max(0, deadline - System.nanoTime());
            all &= instance.close(
                    CloseOptions.groupMembershipOperation(membership).withTimeout(Duration.ofNanos(left)));
        }
        return all;
    }

    private void closeRegistryClient() {
        if (serdes != null && serdes.client() instanceof AutoCloseable client) {
            try {
                client.close();
            } catch (Exception e) {
                log.warn("Closing the Schema Registry client failed", e);
            }
        }
    }

    static CloseOptions.GroupMembershipOperation membershipOnClose(AppConfig config) {
        return config.instanceId().isPresent()
                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
                : CloseOptions.GroupMembershipOperation.LEAVE_GROUP;
    }

    /**
     * Why the cluster or registry refused the app at run time (an ACL revoked, credentials rotated), when that
     * is what stopped it: {@code run} then exits with 4 and this line.
     */
    public Optional<String> accessDenied() {
        return Optional.ofNullable(accessDenied.get());
    }

    /**
     * Why the registry refused an output's schema at run time (incompatible, not registered with
     * {@code auto.register.schemas=false}, a read-only subject), when that is what stopped the app: {@code run}
     * then exits with 5 and this line. A deployment error: every pipeline is stopped, nothing is dead-lettered.
     */
    public Optional<String> schemaRefused() {
        return Optional.ofNullable(schemaRefused.get());
    }

    private StreamThreadExceptionResponse onUncaught(Pipeline pipeline, Throwable error) {
        Optional<String> denied = StopReasons.accessDenied(pipeline, error);
        if (denied.isPresent()) {
            return stopEverything(pipeline, denied.get(), accessDenied, error);
        }
        Optional<String> refused = StopReasons.schemaRefused(pipeline, error);
        if (refused.isPresent()) {
            return stopEverything(pipeline, refused.get(), schemaRefused, error);
        }
        if (SchemaRegistryUnavailableException.isCauseOf(error)) {
            log.error(
                    "Pipeline {}: Schema Registry unreachable; replacing the stream thread to retry",
                    pipeline.id(),
                    error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        log.error("Pipeline {} failed and is shutting down; the other pipelines keep running", pipeline.id(), error);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** Retrying or replacing the thread would only fail the same way, forever: stop all, with {@code reason}. */
    private StreamThreadExceptionResponse stopEverything(
            Pipeline pipeline, String reason, AtomicReference<String> slot, Throwable error) {
        log.error("Pipeline {}: {}; stopping every pipeline", pipeline.id(), reason, error);
        if (accessDenied.get() == null && schemaRefused.get() == null && slot.compareAndSet(null, reason)) {
            // Not from this stream thread: closing waits for the stream threads, this one included.
            Thread stopper = new Thread(this::close, "event-pipelines-stop");
            stopper.setDaemon(true);
            stopper.start();
        }
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private void onStateChange(Pipeline pipeline, KafkaStreams.State next, KafkaStreams.State previous) {
        log.info("Pipeline {}: {} -> {}", pipeline.id(), previous, next);
        if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.NOT_RUNNING) {
            if (finalStates.putIfAbsent(pipeline, next) == null) {
                allStopped.countDown();
            }
        }
    }
}
