package io.eventpipelines.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.app.Pipeline;
import io.eventpipelines.app.TopicAdmin;
import io.eventpipelines.logs.LogRoutingTopology;
import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.testing.AppProcess;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.RegistryDecoder;
import io.eventpipelines.testing.TopicReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code reset} against a real broker and registry, each command in its own JVM as an operator runs it: refused
 * while the app runs, a dry run that changes nothing, then a reset of one pipeline of two, after which a restart
 * reprocesses its whole input and writes every output again, while the other pipeline stays where it was.
 */
class ResetCommandIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int RESTOCKS = 20;

    @RegisterExtension
    static final RealStack STACK = new RealStack("reset-it-");

    @BeforeAll
    static void topics() throws Exception {
        STACK.kafka().createTopics(2, TopicAdmin.topicsOf(List.of(Pipeline.INVENTORY, Pipeline.LOGS)));
    }

    @Test
    void aResetPipelineReprocessesItsInputAndTheOthersStayWhereTheyWere() throws Exception {
        Path state = STACK.dir().resolve("state");
        Path config = STACK.properties(
                "reset",
                "application.id=reset-it",
                "pipelines=inventory,logs",
                "state.dir=" + state,
                // logs is at_least_once: its offsets, compared before and after, are committed within 1 s.
                "commit.interval.ms=1000");
        Path inventoryState = state.resolve("reset-it-inventory");
        Path logsState = state.resolve("reset-it-logs");
        String changelog = "reset-it-inventory-" + InventoryTopology.STOCK_STORE + "-changelog";
        RegistryDecoder decoder = new RegistryDecoder(STACK.registry().url());

        Map<TopicPartition, OffsetAndMetadata> logsOffsets;
        List<String> firstUpdates;
        try (AppProcess app = AppProcess.run(config, STACK.dir().resolve("run-1.log"));
                Admin admin = STACK.kafka().admin()) {
            app.await(
                    TIMEOUT,
                    "both pipelines RUNNING",
                    () -> app.output().contains("Pipeline inventory: REBALANCING -> RUNNING")
                            && app.output().contains("Pipeline logs: REBALANCING -> RUNNING"));
            produce("restocks", config, RESTOCKS);
            produce("logs", config, 30);
            firstUpdates = updates(decoder, RESTOCKS);
            app.await(TIMEOUT, "logs' input committed", () -> committedAtEnd(admin, "reset-it-logs"));

            AppProcess.Exit refused =
                    command(List.of("reset", config.toString(), "--pipelines", "inventory"), "refused");
            assertEquals(ExitCodes.RESET_REFUSED, refused.status(), refused.output());
            assertTrue(
                    refused.output()
                            .contains("reset refused, nothing changed: still active in reset-it-inventory (1: "),
                    refused.output());
            assertTrue(Files.isDirectory(inventoryState));

            assertEquals(143, app.stop(60), app.tail());
            logsOffsets = admin.listConsumerGroupOffsets("reset-it-logs")
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            assertEquals(
                    30,
                    logsOffsets.entrySet().stream()
                            .filter(e -> e.getKey().topic().equals(LogRoutingTopology.APP_LOGS_TOPIC))
                            .mapToLong(e -> e.getValue().offset())
                            .sum(),
                    "logs processed and committed its input: " + logsOffsets);
        }

        AppProcess.Exit dryRun =
                command(List.of("reset", config.toString(), "--pipelines", "inventory", "--dry-run"), "dry-run");
        assertEquals(0, dryRun.status(), dryRun.output());
        assertTrue(dryRun.output().contains("inventory: would delete local state " + inventoryState), dryRun.output());
        assertTrue(dryRun.output().contains(changelog), "lists the internal topics: " + dryRun.output());
        assertTrue(Files.isDirectory(inventoryState), "a dry run deletes nothing");
        try (Admin admin = STACK.kafka().admin()) {
            assertTrue(topics(admin).contains(changelog));
        }

        // notifications never ran here: its group does not exist, which is nothing to refuse.
        AppProcess.Exit neverRan =
                command(List.of("reset", config.toString(), "--pipelines", "notifications", "--dry-run"), "never-ran");
        assertEquals(0, neverRan.status(), neverRan.output());

        AppProcess.Exit badTime =
                command(List.of("reset", config.toString(), "--to-datetime", "yesterday"), "bad-time");
        assertEquals(ExitCodes.CONFIG, badTime.status(), badTime.output());
        assertTrue(badTime.output().contains("--to-datetime: 'yesterday' is not a time"), badTime.output());

        // From the shaded jar: StreamsResetter's dependencies are left out of the pom but for what it uses.
        AppProcess.Exit reset = AppProcess.runJarToExit(
                List.of("reset", config.toString(), "--pipelines", "inventory", "--to-earliest"),
                STACK.dir().resolve("reset.log"),
                TIMEOUT);
        assertEquals(0, reset.status(), reset.output());
        assertFalse(Files.exists(inventoryState), reset.output());
        assertTrue(Files.isDirectory(logsState), "logs was not selected: " + reset.output());
        try (Admin admin = STACK.kafka().admin()) {
            Set<String> internal = topics(admin).stream()
                    .filter(topic -> topic.startsWith("reset-it-inventory-"))
                    .collect(Collectors.toSet());
            assertEquals(Set.of(), internal, reset.output());
            assertEquals(
                    logsOffsets,
                    admin.listConsumerGroupOffsets("reset-it-logs")
                            .partitionsToOffsetAndMetadata()
                            .get(30, TimeUnit.SECONDS),
                    "logs' offsets untouched");
            Map<TopicPartition, OffsetAndMetadata> inventoryOffsets = admin.listConsumerGroupOffsets(
                            "reset-it-inventory")
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            assertEquals(4, inventoryOffsets.size(), "both inputs' partitions: " + inventoryOffsets);
            for (OffsetAndMetadata offset : inventoryOffsets.values()) {
                assertEquals(0, offset.offset(), "inventory back at the earliest offsets");
            }
        }

        try (AppProcess app = AppProcess.run(config, STACK.dir().resolve("run-2.log"))) {
            List<String> twice = new ArrayList<>(firstUpdates);
            twice.addAll(firstUpdates);
            // Each restock reprocessed once more on an empty store: the same stock after it, once more.
            assertEquals(twice.stream().sorted().toList(), updates(decoder, 2 * RESTOCKS));
            assertTrue(app.output().contains("Pipeline logs: REBALANCING -> RUNNING"), app.tail());
        }
    }

    private static void produce(String scenario, Path config, int count) {
        CliRun run = CliRun.of("produce", scenario, config.toString(), "--count", String.valueOf(count), "--seed", "3");
        assertEquals(0, run.exitCode(), run.err());
    }

    /** The inventory updates, once at least {@code count} were written: "product status stockAfter", sorted. */
    private static List<String> updates(RegistryDecoder decoder, int count) {
        List<String> lines = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record :
                TopicReader.read(STACK.kafka().bootstrapServers(), InventoryTopology.UPDATES_TOPIC, count, TIMEOUT)) {
            GenericRecord update = decoder.decode(record.value());
            lines.add(update.get("productId") + " " + update.get("status") + " " + update.get("stockAfter"));
        }
        return lines.stream().sorted().toList();
    }

    private static boolean committedAtEnd(Admin admin, String group) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                    .collect(Collectors.toMap(partition -> partition, partition -> OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            return !committed.isEmpty()
                    && committed.keySet().stream()
                                    .filter(partition -> partition.topic().equals(LogRoutingTopology.APP_LOGS_TOPIC))
                                    .count()
                            == 2
                    && committed.entrySet().stream()
                            .allMatch(e -> e.getValue().offset()
                                    == ends.get(e.getKey()).offset());
        } catch (Exception e) {
            return false;
        }
    }

    private static Set<String> topics(Admin admin) throws Exception {
        return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }

    private static AppProcess.Exit command(List<String> args, String name) throws Exception {
        return AppProcess.runToExit(args, STACK.dir().resolve(name + ".log"), TIMEOUT);
    }
}
