package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.cli.ProduceCommand;
import io.eventpipelines.app.cli.Simulation;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.temperature.TemperatureTopology;
import io.eventpipelines.testing.Poll;
import io.eventpipelines.testing.RealStack;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every RocksDB store of every pipeline, in every task and on every stream thread, draws on the one budget of
 * {@code rocksdb.memory.bytes}. Kafka Streams reports each RocksDB store's {@code block-cache-capacity} (an INFO
 * gauge, read from the store's own RocksDB): the configured budget when all its segments share one cache, and
 * Kafka's 50 MiB per segment (summed) otherwise.
 */
class RocksDBMemoryIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int PARTITIONS = 2;
    /** Not the default, so that the value seen can only have come from the key. */
    private static final long BUDGET = 48L * 1024 * 1024;

    private static final Map<Pipeline, String> ROCKSDB_STORES = Map.of(
            Pipeline.TEMPERATURE, TemperatureTopology.STATS_STORE,
            Pipeline.LOGS, LogRoutingTopology.ERROR_COUNTS_STORE,
            Pipeline.INVENTORY, InventoryTopology.STOCK_STORE);

    @RegisterExtension
    static final RealStack STACK = new RealStack("rocksdb-memory-it-");

    @BeforeAll
    static void topics() throws Exception {
        STACK.kafka().createTopics(PARTITIONS, TopicAdmin.topicsOf(List.of(Pipeline.values())));
    }

    @Test
    void everyRocksDBStoreOfEveryPipelineTaskAndThreadUsesTheOneConfiguredCache() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", STACK.kafka().bootstrapServers());
        settings.put("schema.registry.url", STACK.registry().url());
        settings.put("application.id", "rocksdb-memory-it");
        settings.put("state.dir", STACK.dir().resolve("state").toString());
        settings.put("num.stream.threads", "2");
        settings.put("commit.interval.ms", "100");
        settings.put(AppConfig.ROCKSDB_MEMORY_CONFIG, Long.toString(BUDGET));
        AppConfig config = AppConfig.of(settings);
        try (PipelineRunner runner = new PipelineRunner(config)) {
            runner.start();
            Poll.until(TIMEOUT, "all pipelines RUNNING", runner::isReady);
            for (Simulation simulation : Simulation.values()) {
                // Records now, over many keys: every partition of every store gets some, and with them the
                // window stores their first segments (a segmented store reports no cache before it has one).
                ProduceCommand.produce(config, simulation, 7 + simulation.ordinal(), 2_000, 400, () -> false, false);
            }
            Set<String> expected = new TreeSet<>();
            ROCKSDB_STORES.forEach((pipeline, store) -> expected.add(pipeline.id() + "/" + store));
            Map<String, Map<String, Long>> seen = new TreeMap<>();
            Poll.until(TIMEOUT, "a block cache capacity from every RocksDB store's every task", () -> {
                seen.clear();
                seen.putAll(capacities(runner));
                return ROCKSDB_STORES.entrySet().stream().allMatch(e -> {
                    Map<String, Long> byTask = seen.getOrDefault(e.getKey().id() + "/" + e.getValue(), Map.of());
                    return byTask.size() == PARTITIONS
                            && byTask.values().stream().allMatch(capacity -> capacity > 0);
                });
            });
            assertEquals(expected, seen.keySet(), "the RocksDB stores, and no other, by pipeline");
            Map<String, Map<String, Long>> allTheBudget = new TreeMap<>();
            seen.forEach((store, byTask) -> byTask.keySet()
                    .forEach(task -> allTheBudget
                            .computeIfAbsent(store, k -> new TreeMap<>())
                            .put(task, BUDGET)));
            assertEquals(allTheBudget, seen, "each store's block cache capacity, by task");
            Set<String> threads = new TreeSet<>();
            runner.streams()
                    .values()
                    .forEach(streams ->
                            streams.metadataForLocalThreads().forEach(thread -> threads.add(thread.threadName())));
            assertTrue(threads.size() >= 2 * config.pipelines().size(), "two threads per pipeline: " + threads);
        }
    }

    /** {@code <pipeline>/<store>} → task → its RocksDB block cache capacity, as Kafka Streams reports it. */
    private static Map<String, Map<String, Long>> capacities(PipelineRunner runner) {
        Map<String, Map<String, Long>> capacities = new TreeMap<>();
        runner.streams().forEach((pipeline, streams) -> {
            for (Map.Entry<MetricName, ? extends Metric> entry :
                    streams.metrics().entrySet()) {
                MetricName name = entry.getKey();
                if (!name.name().equals("block-cache-capacity")) {
                    continue;
                }
                String store = name.tags().entrySet().stream()
                        // The pipelines' KafkaStreams tag stores "store" (StoreTaggedKafkaStreams), Kafka "*-state-id".
                        .filter(tag ->
                                tag.getKey().equals("store") || tag.getKey().endsWith("-state-id"))
                        .map(Map.Entry::getValue)
                        .findFirst()
                        .orElse("?");
                long capacity = ((Number) entry.getValue().metricValue()).longValue();
                capacities
                        .computeIfAbsent(pipeline.id() + "/" + store, k -> new TreeMap<>())
                        .put(name.tags().get("task-id"), capacity);
            }
        });
        return capacities;
    }
}
