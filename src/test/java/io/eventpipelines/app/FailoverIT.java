package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.testing.AppProcess;
import io.eventpipelines.testing.InventoryFeed;
import io.eventpipelines.testing.InventoryLedger;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.RegistryDecoder;
import io.eventpipelines.testing.TopicReader;
import io.eventpipelines.testing.Transactions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly-once through a crash: the inventory pipeline runs in its own JVM, which is SIGKILLed while it works
 * through a backlog (a transaction open, the stock store ahead of what is committed), then started again
 * on the same state directory. A read_committed consumer must see every order and restock answered once,
 * and each product's updates must still form one consistent stock history.
 */
class FailoverIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long SEED = 20261122L;

    @RegisterExtension
    static final RealStack STACK = new RealStack("failover-it-");

    @BeforeAll
    static void start() throws Exception {
        // Unequal partition counts: the repartition topic, not the inputs, decides where a product's stock lives.
        STACK.kafka()
                .createTopics(
                        3,
                        List.of(
                                InventoryTopology.ORDERS_TOPIC,
                                InventoryTopology.UPDATES_TOPIC,
                                Pipeline.INVENTORY.deadLetterTopic()));
        STACK.kafka().createTopics(2, List.of(InventoryTopology.RESTOCKS_TOPIC));
    }

    @Test
    void aKilledInstanceIsReplacedWithoutLosingOrDuplicatingAnyUpdate() throws Exception {
        Path properties = STACK.properties(
                "inventory",
                "application.id=failover-it",
                "state.dir=" + STACK.dir().resolve("state"),
                "pipelines=inventory",
                // The killed member holds its partitions until its session expires: keep that wait short.
                "session.timeout.ms=6000",
                "heartbeat.interval.ms=1500");
        Map<String, Object> serdeConfig = AppConfig.load(properties, Map.of()).serdeConfig();
        RegistryDecoder decoder = new RegistryDecoder(STACK.registry().url());

        try (InventoryFeed feed =
                        new InventoryFeed(STACK.kafka().bootstrapServers(), serdeConfig, Map.of(), "fo", 6, SEED);
                TopicReader committed =
                        new TopicReader(STACK.kafka().bootstrapServers(), InventoryTopology.UPDATES_TOPIC);
                Admin admin = STACK.kafka().admin()) {
            int answeredAtKill;
            try (AppProcess first = AppProcess.run(properties, STACK.dir().resolve("first.log"))) {
                awaitRunning(first);
                // The kill must land mid-stream, with a transaction open that already wrote updates: its stock
                // store writes and updates must be thrown away and redone.
                feed.send(4000);
                feed.flush();
                first.await(
                        TIMEOUT,
                        "300 committed updates, and an open transaction's updates after them",
                        Transactions.openAfter(admin, InventoryTopology.UPDATES_TOPIC, 300, () -> {
                            feed.send(2000);
                            feed.flush();
                        }));
                // More input on its way at the kill: the open transaction seen above may still commit before the
                // signal lands, and an app with 5 ms lingers can finish the whole backlog with it.
                feed.send(2000);
                first.kill();
                feed.flush();
                answeredAtKill = committed.drain().size();
                assertTrue(
                        answeredAtKill < feed.sent(),
                        "the kill must land before the backlog is done: " + answeredAtKill + " of " + feed.sent()
                                + " answered\n" + first.tail());
            }

            // Input keeps arriving while no instance runs, and after the replacement is up.
            feed.send(1000);
            feed.flush();
            // Measured now rather than at the kill, so that a commit already on its way has landed: what is
            // still uncommitted belongs to the killed transaction, which can only be aborted.
            long abandoned =
                    Transactions.end(admin, InventoryTopology.UPDATES_TOPIC).pending();
            try (AppProcess second = AppProcess.run(properties, STACK.dir().resolve("second.log"))) {
                awaitRunning(second);
                feed.send(1000);
                feed.flush();
                Set<String> expected = new HashSet<>(feed.identities());
                second.await(
                        TIMEOUT,
                        "an update for each of " + expected.size() + " events",
                        () -> InventoryLedger.of(committed.drain(), decoder)
                                .countsByIdentity()
                                .keySet()
                                .containsAll(expected));
                // Extra (duplicate) updates would arrive with this last read.
                InventoryLedger ledger = InventoryLedger.of(committed.drain(), decoder);
                Map<String, Long> wrong = InventoryLedger.notExactlyOnce(ledger.countsByIdentity(), expected);
                assertTrue(
                        wrong.isEmpty(),
                        wrong.size() + " events not answered exactly once (identity=count): " + firstOf(wrong) + "\n"
                                + second.tail());
                assertEquals(expected.size(), ledger.updates().size());
                List<String> violations = ledger.violations();
                assertTrue(
                        violations.isEmpty(), "stock histories broken by the crash:\n" + String.join("\n", violations));
                assertEquals(ledger.recomputedStock(), ledger.finalStock(), "last stockAfter = restocked - reserved");
                // Both outcomes must be common, or the stock checks prove little.
                assertTrue(ledger.count("RESERVED", null) > 100, "RESERVED " + ledger.count("RESERVED", null));
                assertTrue(
                        ledger.count("REJECTED", "OUT_OF_STOCK") > 100,
                        "OUT_OF_STOCK " + ledger.count("REJECTED", "OUT_OF_STOCK"));
                TopicReader.assertEmpty(
                        STACK.kafka().bootstrapServers(),
                        Pipeline.INVENTORY.deadLetterTopic(),
                        TIMEOUT,
                        "nothing dead-lettered");
                long aborted = Transactions.allRecords(
                                STACK.kafka().bootstrapServers(), InventoryTopology.UPDATES_TOPIC, TIMEOUT)
                        - ledger.updates().size();
                assertTrue(
                        aborted >= abandoned,
                        "the killed transaction's " + abandoned + " updates stay in the log as aborted: " + aborted
                                + " aborted");
                System.out.printf(
                        "FailoverIT: %d of %d events answered at the kill, %d updates of its open transaction "
                                + "aborted (%d aborted updates in the log)%n",
                        answeredAtKill, expected.size(), abandoned, aborted);

                assertTrue(
                        second.stop(60) >= 0, "the replacement stops on SIGTERM after the recovery\n" + second.tail());
            }
        }
    }

    private static void awaitRunning(AppProcess app) {
        app.await(
                TIMEOUT,
                "inventory RUNNING",
                () -> app.output().contains("Pipeline inventory: REBALANCING -> RUNNING"));
    }

    private static String firstOf(Map<String, Long> wrong) {
        return wrong.entrySet().stream()
                .limit(50)
                .map(Object::toString)
                .toList()
                .toString();
    }
}
