package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.orders.InventoryTopology;
import io.eventpipelines.orders.NotificationTopology;
import io.eventpipelines.testing.AppProcess;
import io.eventpipelines.testing.CommittedCounts;
import io.eventpipelines.testing.InventoryFeed;
import io.eventpipelines.testing.RealStack;
import io.eventpipelines.testing.RegistryDecoder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Restarts that do not move partitions: two instances of the notifications pipeline, each with its own
 * {@code instance.id}, under continuous input. Each is restarted in turn as systemd or a StatefulSet does it
 * (SIGTERM, then the same command on the same state dir) within {@code session.timeout.ms}. The returning
 * instance must get its own partitions back in the generation it left, and the other must go on without a
 * rebalance: its pipeline never leaves RUNNING and the broker starts no new generation. Both cases of the
 * classic protocol are covered, in a fixed order: the instance started first is the group's leader (the first
 * member of an empty group leads it, and a returning static member takes its old member's place, leadership
 * included), so the second restart is the leader's, which the broker answers with "skip assignment" (KIP-814)
 * instead of a rebalance. A third restart, after a SIGKILL, shows that a crash is the same to the group. Every
 * order is notified exactly once throughout.
 */
class StaticMembershipIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /**
     * Kafka's default session.timeout.ms, which the app keeps: a restart takes 3 to 4 s here, up to 20 s after a
     * crash (see below), well within it.
     */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(45);

    private static final int PARTITIONS = 4;
    private static final String GROUP = "static-membership-it-notifications";
    private static final Pattern JOINED =
            Pattern.compile("Successfully joined group with generation Generation\\{generationId=(\\d+)");
    private static final String LEFT_RUNNING = "Pipeline notifications: RUNNING -> REBALANCING";
    private static final String SKIPPED_ASSIGNMENT = "Skipped assignment for returning static leader";
    private static final Path LOGBACK =
            Path.of("target", "test-classes", "logback-group-members.xml").toAbsolutePath();

    @RegisterExtension
    static final RealStack STACK = new RealStack("static-membership-it-");

    @BeforeAll
    static void start() throws Exception {
        STACK.kafka()
                .createTopics(
                        PARTITIONS,
                        List.of(
                                InventoryTopology.ORDERS_TOPIC,
                                InventoryTopology.RESTOCKS_TOPIC,
                                NotificationTopology.NOTIFICATIONS_TOPIC,
                                Pipeline.NOTIFICATIONS.deadLetterTopic()));
    }

    @Test
    void aRestartedInstanceGetsItsPartitionsBackWhileTheOtherRunsOnWithoutARebalance() throws Exception {
        Path a = properties("a");
        Path b = properties("b");
        List<AppProcess> processes = new ArrayList<>();
        ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
        try (InventoryFeed feed = new InventoryFeed(
                        STACK.kafka().bootstrapServers(),
                        AppConfig.load(a, Map.of()).serdeConfig(),
                        Map.of(),
                        "sm",
                        10,
                        20261202L);
                CommittedCounts notified = new CommittedCounts(
                        STACK.kafka().bootstrapServers(),
                        NotificationTopology.NOTIFICATIONS_TOPIC,
                        new RegistryDecoder(STACK.registry().url()),
                        notification -> notification.get("orderId").toString());
                Admin admin = STACK.kafka().admin()) {
            AppProcess first = start(a, "a-1.log", processes);
            awaitRunning(first);
            // About 180 orders a second (every tenth event is a restock, which notifications do not read).
            feeder.scheduleAtFixedRate(() -> feed.send(10), 0, 50, TimeUnit.MILLISECONDS);
            AppProcess second = start(b, "b-1.log", processes);
            awaitRunning(second);
            Map<String, Set<Integer>> assignment = awaitShared(admin, first, second);

            Restart ofFollower =
                    restart(second, false, b, "b-2.log", first, admin, assignment, feed, notified, processes);
            assertTrue(
                    !ofFollower.skippedAssignment(),
                    "b is not the leader: it takes no part in assigning\n"
                            + ofFollower.back().tail());
            Restart ofLeader = restart(
                    first, false, a, "a-2.log", ofFollower.back(), admin, assignment, feed, notified, processes);
            assertTrue(
                    ofLeader.skippedAssignment(),
                    "a, the leader, returns without assigning anew\n"
                            + ofLeader.back().tail());
            // A crash rather than a stop is the same to the group: the member returns before its session expires.
            // Notifications has no store, so each start has a new process id and transactional id, which cannot
            // fence the dead process's open transaction: the returning tasks (in REBALANCING) and read_committed
            // readers of the partitions it wrote to wait until the broker aborts it, transaction.timeout.ms (10 s)
            // after it began, checked every 10 s. Measured here: caught up 4.7 to 15.6 s after the kill.
            Restart afterCrash = restart(
                    ofFollower.back(),
                    true,
                    b,
                    "b-3.log",
                    ofLeader.back(),
                    admin,
                    assignment,
                    feed,
                    notified,
                    processes);

            feeder.shutdown();
            assertTrue(feeder.awaitTermination(10, TimeUnit.SECONDS));
            feed.flush();
            Set<String> orders = orders(feed);
            ofLeader.back()
                    .await(
                            TIMEOUT,
                            "a notification for each of " + orders.size() + " orders",
                            () -> notified.answered(orders));
            Map<String, Long> counts = notified.readAll(); // extra (duplicate) notifications arrive with this last read
            Map<String, Long> notOnce = new TreeMap<>();
            counts.forEach((order, n) -> {
                if (n != 1L || !orders.contains(order)) {
                    notOnce.put(order, n);
                }
            });
            assertTrue(notOnce.isEmpty(), notOnce.size() + " orders not notified exactly once: " + notOnce);
            assertEquals(orders.size(), notified.records().size());
            System.out.printf(
                    "StaticMembershipIT: from SIGTERM to RUNNING again (to every order sent until then notified) "
                            + "%s (b, a follower), %s (a, the leader); from SIGKILL %s (b); all in generation %d; %d orders "
                            + "notified once each; partitions %s%n",
                    ofFollower, ofLeader, afterCrash, ofLeader.generation(), orders.size(), assignment);
            for (AppProcess app : List.of(afterCrash.back(), ofLeader.back())) {
                assertTrue(app.stop(60) >= 0, "stops on SIGTERM\n" + app.tail());
            }
        } finally {
            feeder.shutdownNow();
            for (AppProcess app : processes) {
                app.close();
            }
        }
    }

    /**
     * What a restart showed: how long it took from the signal to RUNNING again, and until every order sent
     * until then was notified; the generation it returned to.
     */
    private record Restart(
            AppProcess back, Duration took, Duration caughtUp, int generation, boolean skippedAssignment) {
        @Override
        public String toString() {
            return took.toMillis() + " ms (" + caughtUp.toMillis() + " ms)";
        }
    }

    /**
     * Restarts {@code restarted} and checks that nothing moved: the returning member joins the generation it
     * left with the partitions it had, and {@code other} neither left RUNNING nor joined a new generation,
     * until orders sent after the restart, on every partition, are notified.
     */
    private static Restart restart(
            AppProcess restarted,
            boolean crash,
            Path properties,
            String log,
            AppProcess other,
            Admin admin,
            Map<String, Set<Integer>> assignment,
            InventoryFeed feed,
            CommittedCounts notified,
            List<AppProcess> processes)
            throws Exception {
        int generation = lastGeneration(other);
        long otherLeftRunning = count(other.output(), LEFT_RUNNING);
        long begin = System.nanoTime();
        if (crash) {
            restarted.kill();
        } else {
            assertTrue(restarted.stop(60) >= 0, "stops on SIGTERM\n" + restarted.tail());
            assertTrue(
                    restarted
                            .output()
                            .contains("Closing pipeline notifications, staying in its group as static member "),
                    "says why its partitions stay\n" + restarted.tail());
        }
        AppProcess back = start(properties, log, processes);
        awaitRunning(back);
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        assertTrue(
                took.compareTo(SESSION_TIMEOUT) < 0, "the restart took " + took + ", longer than the session timeout");

        // 200 orders sent after the restart land on every partition, the returning instance's included.
        int sentAtReturn = feed.sent();
        back.await(TIMEOUT, "200 more orders", () -> feed.sent() >= sentAtReturn + 250);
        Set<String> sent = orders(feed);
        back.await(
                TIMEOUT, "notifications for the " + sent.size() + " orders sent so far", () -> notified.answered(sent));
        Duration caughtUp = Duration.ofNanos(System.nanoTime() - begin);
        assertEquals(
                generation, lastGeneration(back), "the returning member joins the generation it left\n" + back.tail());
        assertEquals(generation, lastGeneration(other), "no new generation for the other\n" + other.tail());
        assertEquals(
                otherLeftRunning, count(other.output(), LEFT_RUNNING), "the other never left RUNNING\n" + other.tail());
        assertEquals(assignment, assignment(admin), "each member has the partitions it had");
        return new Restart(back, took, caughtUp, generation, back.output().contains(SKIPPED_ASSIGNMENT));
    }

    private static Path properties(String instance) throws Exception {
        Path file = STACK.properties(
                instance,
                "application.id=static-membership-it",
                "state.dir=" + STACK.dir().resolve("state-" + instance),
                "pipelines=notifications",
                "instance.id=" + instance);
        return file;
    }

    private static AppProcess start(Path properties, String log, List<AppProcess> processes) throws Exception {
        AppProcess app = AppProcess.run(properties, STACK.dir().resolve(log), Map.of(), LOGBACK);
        processes.add(app);
        return app;
    }

    private static void awaitRunning(AppProcess app) {
        app.await(
                TIMEOUT,
                "notifications RUNNING",
                () -> app.output().contains("Pipeline notifications: REBALANCING -> RUNNING"));
    }

    /**
     * Waits until both instances run with partitions of their own (Kafka Streams moves a partition in two
     * rebalances: revoked from its owner in one, assigned in the next) and returns who has which.
     */
    private static Map<String, Set<Integer>> awaitShared(Admin admin, AppProcess first, AppProcess second) {
        Map<String, Set<Integer>> shared = new TreeMap<>();
        first.await(TIMEOUT, "both instances RUNNING, each with partitions of orders", () -> {
            Map<String, Set<Integer>> now = assignment(admin);
            Set<Integer> union = now.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
            boolean done = now.size() == 2
                    && now.values().stream().noneMatch(Set::isEmpty)
                    && union.size() == PARTITIONS
                    && now.values().stream().mapToInt(Set::size).sum() == PARTITIONS
                    && lastState(first).equals("RUNNING")
                    && lastState(second).equals("RUNNING");
            shared.clear();
            shared.putAll(now);
            return done;
        });
        return shared;
    }

    /** The partitions of orders each member (by group.instance.id) has in the group's current, stable generation. */
    private static Map<String, Set<Integer>> assignment(Admin admin) {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(GROUP))
                    .describedGroups()
                    .get(GROUP)
                    .get(10, TimeUnit.SECONDS);
            if (group.groupState() != GroupState.STABLE) {
                return Map.of();
            }
            Map<String, Set<Integer>> byMember = new TreeMap<>();
            for (MemberDescription member : group.members()) {
                byMember.put(
                        member.groupInstanceId().orElse(member.consumerId()),
                        member.assignment().topicPartitions().stream()
                                .filter(tp -> tp.topic().equals(InventoryTopology.ORDERS_TOPIC))
                                .map(TopicPartition::partition)
                                .collect(Collectors.toCollection(TreeSet::new)));
            }
            return byMember;
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + GROUP, e);
        }
    }

    private static String lastState(AppProcess app) {
        String state = "";
        Matcher m = Pattern.compile("Pipeline notifications: \\w+ -> (\\w+)").matcher(app.output());
        while (m.find()) {
            state = m.group(1);
        }
        return state;
    }

    /** The generation of the member's last join, as its consumer logged it; -1 before any. */
    private static int lastGeneration(AppProcess app) {
        int generation = -1;
        Matcher m = JOINED.matcher(app.output());
        while (m.find()) {
            generation = Integer.parseInt(m.group(1));
        }
        return generation;
    }

    private static long count(String text, String what) {
        return text.lines().filter(line -> line.contains(what)).count();
    }

    private static Set<String> orders(InventoryFeed feed) {
        feed.flush();
        return feed.identities().stream()
                .filter(id -> id.startsWith("order "))
                .map(id -> id.substring("order ".length()))
                .collect(Collectors.toCollection(HashSet::new));
    }
}
