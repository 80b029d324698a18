package io.eventpipelines.app;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Each pipeline's Kafka Streams configuration: the defaults the app sets where Kafka's did not fit, each with the
 * reason and the measurement behind it. The file to re-check on a Kafka upgrade (docs/design.md, "Tuning
 * defaults", has the same list for users).
 */
final class StreamsDefaults {
    /** The pipelines' producers' linger.ms unless one is set: see {@link #of}. */
    static final String DEFAULT_LINGER_MS = "5";
    /** The pipelines' producers' buffer.memory unless one is set: 8 MiB. */
    static final String DEFAULT_PRODUCER_BUFFER_BYTES = Long.toString(8L << 20);

    private StreamsDefaults() {}

    /**
     * The Kafka Streams configuration of one pipeline. Precedence, lowest first: the app's defaults for the
     * pipeline, the file and environment ({@code values}), then {@code pipeline.<id>.*}; the application id is
     * always {@code <application.id>-<pipeline>}.
     */
    static Properties of(Pipeline pipeline, AppConfig config, Map<String, String> values) {
        Properties props = new Properties();
        props.put(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // Kafka's default production handler dead-letters the input whenever an output fails; ours fails the task.
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OutputExceptionHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, pipeline.deadLetterTopic());
        props.put(DeadLetterCounter.PIPELINE_CONFIG, pipeline.id());
        // Auto-generated internal names shift when the topology changes, silently orphaning state and topics.
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        // Emit-final windows look for closed windows at most once per this many ms of wall clock, on a record's
        // arrival: with the default 1000, a window closed by a partition's last record for a while stayed
        // unemitted until the next one (at the end of a backlog, most of the last minutes' windows). Looking on
        // every record builds two small maps of windows (5% of temperature's stream thread); the store is only
        // scanned when stream time crosses into a new window.
        props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, "0");
        // How long a stream thread blocks in poll when it has nothing to process, and the restore consumer on
        // every restoration round: with the default 100, each round of restoring a task's changelogs took at
        // least 0.1 s, which is most of the time to RUNNING for these small stores. An idle thread wakes up
        // 100 times a second instead of 10; a busy one never waits in poll.
        props.put(StreamsConfig.POLL_MS_CONFIG, "10");
        // How soon a member learns that its group rebalances (Kafka: 3000; session.timeout.ms stays 45 s). The
        // members that did not start a rebalance wait for their next heartbeat to join it, and so do the others:
        // with several stream threads, each first start waited 3 s (the repartition topic, created during the
        // first assignment, makes one thread rejoin), and so does every scale-out or restart of an instance.
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        // No task idling. Idling only orders the records of one task's partitions by timestamp, and Kafka Streams
        // 4.3 (and 4.4) builds and formats log strings in that check for every record while one of the task's
        // partitions has nothing buffered: a fifth of temperature's time, 6% of logs' and inventory's. Logs and
        // notifications read one partition per task. Temperature applies thresholds from their arrival on.
        // Inventory orders a product's orders and restocks by their arrival at its repartition topic, and they come
        // from tasks of different partitions (orders are keyed by orderId), which idling never ordered.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, String.valueOf(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // Inventory: a replayed order would be reserved twice and every later stockAfter of its product wrong.
        // Notifications become emails and SMS, the most visible duplicate there is: at_least_once replays up to a
        // commit interval (30 s) of orders after every crash, and 5 SIGKILLs in 90 s at 200 orders/s notified
        // 2,061 of 16,002 orders twice or more. Temperature and logs feed dashboards, where a repeated alert or
        // log line costs less than the transactions; pipeline.<name>.processing.guarantee overrides either way.
        if (pipeline == Pipeline.INVENTORY || pipeline == Pipeline.NOTIFICATIONS) {
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        }
        // Inventory's stock store is queried (/inventory): a standby copy on another instance answers while the
        // owner is gone or its partition moves, and takes over after a restoration of the last few records
        // rather than of the whole changelog. The other pipelines' stores are not queried, and a standby doubles
        // what the instances read from changelogs; their failover restores instead (Kafka's default 0).
        if (pipeline == Pipeline.INVENTORY) {
            props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "1");
        }
        // Every persistent store of every pipeline in the JVM draws on one bounded cache (a setter of the user's
        // own, below, replaces it and with it the bound).
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDBMemory.class.getName());
        props.put(BoundedRocksDBMemory.BYTES_CONFIG, Long.toString(config.rocksDbMemoryBytes()));
        String overridePrefix = AppConfig.PIPELINE_OVERRIDE_PREFIX + pipeline.id() + ".";
        values.forEach((key, value) -> {
            if (!ConfigKeys.isAppKey(key) && !key.startsWith(AppConfig.PIPELINE_OVERRIDE_PREFIX)) {
                props.put(key, value);
            }
        });
        values.forEach((key, value) -> {
            if (key.startsWith(overridePrefix)) {
                props.put(key.substring(overridePrefix.length()), value);
            }
        });
        // Before a task runs, the restore consumer reads its changelogs to their end. Its fetch for an empty or
        // caught-up changelog waits fetch.max.wait.ms (500) on the broker, and changelogs assigned meanwhile queue
        // behind that fetch: every start and rebalance took about 0.5 s longer. Only restoration and standby
        // tasks use this consumer; standby tasks, if configured, fetch up to 20 times a second when idle. Set
        // last and only when no fetch.max.wait.ms is given, which the more specific prefix would otherwise beat.
        String restoreFetchWait = StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
        if (!props.containsKey(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)
                && !props.containsKey(restoreFetchWait)
                && !props.containsKey(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG))) {
            props.put(restoreFetchWait, "50");
        }
        // Kafka Streams' producers wait linger.ms=100 (Kafka Streams' own override; Kafka's producer waits 5) for
        // more records before a batch is sent: every output of a steadily fed pipeline waited about that long. With 5,
        // at_least_once outputs at 1,000 records/s appeared after 33 ms at the median instead of 80-106 ms (latency
        // benchmark, 2026-12-02). A backlog still fills batches (batch.size) long before 5 ms pass.
        producerDefault(props, ProducerConfig.LINGER_MS_CONFIG, DEFAULT_LINGER_MS);
        // Each stream thread's producer may hold buffer.memory of unsent records on the heap (Kafka: 32 MiB): four
        // pipelines catching up at once could fill 128 MiB, most of the heap README recommends. 8 MiB is still 512
        // batches of batch.size (16 KiB) per producer, far more than its 5 requests in flight per broker carry.
        producerDefault(props, ProducerConfig.BUFFER_MEMORY_CONFIG, DEFAULT_PRODUCER_BUFFER_BYTES);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId(pipeline));
        // Each pipeline is a group of its own, so the same name is unique in each; Kafka Streams appends
        // -<thread index> per stream thread (its restore and global consumers get none).
        config.instanceId().ifPresent(id -> props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        if (pipeline == Pipeline.INVENTORY
                && config.httpPort() != 0
                && !props.containsKey(StreamsConfig.APPLICATION_SERVER_CONFIG)) {
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.applicationServer());
        }
        return props;
    }

    /** Sets a producer setting of the pipelines unless the user gave it, with or without the producer prefix. */
    private static void producerDefault(Properties props, String key, String value) {
        if (!props.containsKey(key) && !props.containsKey(StreamsConfig.producerPrefix(key))) {
            props.put(StreamsConfig.producerPrefix(key), value);
        }
    }
}
