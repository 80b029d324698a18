package io.eventpipelines.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The latency benchmark's tables, from the result lines of one fork or of several ({@link LatencyBenchmark} writes
 * them): latencies are merged over the forks (every record of every fork counts once) and each fork's p99 is shown
 * beside them; CPU figures are medians over the forks.
 */
final class LatencyReport {
    private LatencyReport() {}

    private record Row(int fork, String[] fields) {
        String get(int i) {
            return fields[i];
        }

        int rate() {
            return Integer.parseInt(fields[2]);
        }

        String phase() {
            return fields[1];
        }
    }

    static void print(List<List<String>> forks) {
        Map<String, List<Row>> byKind = new LinkedHashMap<>();
        Set<Integer> rates = new LinkedHashSet<>();
        for (int fork = 0; fork < forks.size(); fork++) {
            for (String line : forks.get(fork)) {
                String[] fields = line.split("\t", -1);
                byKind.computeIfAbsent(fields[0], kind -> new ArrayList<>()).add(new Row(fork, fields));
                if (fields[0].equals("cost")) {
                    rates.add(Integer.parseInt(fields[2]));
                }
            }
        }
        List<Row> latencies = byKind.getOrDefault("latency", List.of());
        List<Row> feeds = byKind.getOrDefault("feed", List.of());
        List<Row> costs = byKind.getOrDefault("cost", List.of());
        for (int rate : rates) {
            printLatency(rate, latencies, forks.size());
            printFeed(rate, feeds, costs, latencies);
            printCost(rate, costs);
            printCpuWait(rate, byKind.getOrDefault("cpuwait", List.of()));
        }
        printIdle(byKind.getOrDefault("idle", List.of()));
        for (Row row : byKind.getOrDefault("rss", List.of())) {
            System.out.printf(
                    Locale.ROOT,
                    "- fork %d peak RSS (VmHWM): app JVM %s MiB, pass-through JVM %s MiB, broker JVM %s MiB%n",
                    row.fork() + 1,
                    mib(row.get(1)),
                    mib(row.get(2)),
                    mib(row.get(3)));
        }
        for (Row row : byKind.getOrDefault("load", List.of())) {
            System.out.printf(Locale.ROOT, "- fork %d load %s%n", row.fork() + 1, row.get(1));
        }
        for (Row row : byKind.getOrDefault("invalid", List.of())) {
            System.out.printf(Locale.ROOT, "- INVALID (fork %d): %s%n", row.fork() + 1, row.get(1));
        }
    }

    private static void printLatency(int rate, List<Row> latencies, int forkCount) {
        System.out.printf(
                Locale.ROOT, "%n### %,d records/s per input: latency, output available − input created (ms)%n%n", rate);
        System.out.println(
                "| output | pipeline | guarantee | timed by | outputs of the window (expected) | p50 | p99 | p99.9 | max "
                        + "| p99 per fork | target p99 |");
        System.out.println("|---|---|---|---|---:|---:|---:|---:|---:|---|---|");
        Map<String, List<Row>> byTopic = new LinkedHashMap<>();
        latencies.stream()
                .filter(r -> r.rate() == rate)
                .forEach(r -> byTopic.computeIfAbsent(r.get(3), t -> new ArrayList<>())
                        .add(r));
        List<String> appended = new ArrayList<>();
        byTopic.forEach((topic, rows) -> {
            Row first = rows.get(0);
            boolean exactlyOnce = !first.get(5).equals("at_least_once");
            // Inventory's repartition topic is timed as a step of inventory, not an output: no target.
            boolean hop = topic.endsWith("-repartition");
            boolean reference = hop || first.phase().equals(LatencyBenchmark.PASS_THROUGH_PHASE);
            LatencyHistogram all = new LatencyHistogram();
            LatencyHistogram allAppended = new LatencyHistogram();
            long expected = 0;
            List<String> perFork = new ArrayList<>();
            for (Row row : rows) {
                LatencyHistogram h = LatencyHistogram.decode(row.get(8));
                all.add(h);
                perFork.add(ms(h.percentile(0.99)));
                expected += Long.parseLong(row.get(6));
                if (exactlyOnce) {
                    allAppended.add(LatencyHistogram.decode(row.get(9)));
                }
            }
            double target = reference ? Double.NaN : LatencyBenchmark.targetP99Millis(exactlyOnce, rate);
            String verdict = Double.isNaN(target)
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            "≤ %.0f %s",
                            target,
                            all.count() == 0
                                    ? "**no outputs**"
                                    : all.percentile(0.99) <= target ? "met" : "**missed**");
            String missing = all.count() < expected
                    ? String.format(Locale.ROOT, " **%,d missing**", expected - all.count())
                    : "";
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %,d (%,d)%s | %s | %s | %s | %s | %s | %s |%n",
                    topic,
                    hop
                            ? first.get(4)
                            : reference ? "reference: ByteArray pass-through, own JVM and phase" : first.get(4),
                    first.get(5),
                    exactlyOnce ? "read_committed receipt" : "LogAppendTime",
                    all.count(),
                    expected,
                    missing,
                    ms(all.percentile(0.50)),
                    ms(all.percentile(0.99)),
                    ms(all.percentile(0.999)),
                    ms(all.max()),
                    forkCount > 1 ? String.join(", ", perFork) : "",
                    verdict);
            if (exactlyOnce && !hop) {
                appended.add(String.format(
                        Locale.ROOT,
                        "%s p50 %s, p99 %s, max %s",
                        topic,
                        ms(allAppended.percentile(0.50)),
                        ms(allAppended.percentile(0.99)),
                        ms(allAppended.max())));
            }
        });
        if (!appended.isEmpty()) {
            System.out.println();
            System.out.println(
                    "The same exactly-once records by LogAppendTime (appended to the log, before their transaction "
                            + "committed; the rest of the latency above is the wait for the commit): "
                            + String.join("; ", appended));
        }
    }

    private static void printFeed(int rate, List<Row> feeds, List<Row> costs, List<Row> latencies) {
        System.out.printf(
                Locale.ROOT,
                "%n| %,d records/s per input: feed | input | achieved records/s, min of forks | max behind "
                        + "schedule ms | created → produce acked p99 ms |%n",
                rate);
        System.out.println("|---|---|---:|---:|---:|");
        Map<String, List<Row>> byInput = new LinkedHashMap<>();
        feeds.stream()
                .filter(r -> r.rate() == rate)
                .forEach(r -> byInput.computeIfAbsent(r.phase() + "\t" + r.get(3), k -> new ArrayList<>())
                        .add(r));
        byInput.forEach((key, rows) -> {
            double achieved =
                    rows.stream().mapToDouble(LatencyReport::achieved).min().orElse(Double.NaN);
            double behind = rows.stream()
                    .mapToDouble(r -> Double.parseDouble(r.get(6)))
                    .max()
                    .orElse(Double.NaN);
            LatencyHistogram acks = new LatencyHistogram();
            rows.forEach(r -> acks.add(LatencyHistogram.decode(r.get(7))));
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %,.0f | %.1f | %s |%n",
                    rows.get(0).phase(),
                    rows.get(0).get(3),
                    achieved,
                    behind,
                    ms(acks.percentile(0.99)));
        });
        System.out.println();
        for (Row cost : costs) {
            if (cost.rate() != rate) {
                continue;
            }
            List<String> problems = new ArrayList<>();
            feeds.stream()
                    .filter(f -> f.fork() == cost.fork()
                            && f.rate() == rate
                            && f.phase().equals(cost.phase())
                            && achieved(f) < 0.99 * rate)
                    .forEach(f ->
                            problems.add(String.format(Locale.ROOT, "feed %s reached %,.0f/s", f.get(3), achieved(f))));
            long lagAtEnd = Long.parseLong(cost.get(10));
            if (lagAtEnd >= rate) {
                problems.add(String.format(Locale.ROOT, "app %,d records behind when the window ended", lagAtEnd));
            }
            latencies.stream()
                    .filter(l -> l.fork() == cost.fork()
                            && l.rate() == rate
                            && l.phase().equals(cost.phase())
                            && Long.parseLong(l.get(7)) < Long.parseLong(l.get(6)))
                    .forEach(l -> problems.add(String.format(
                            Locale.ROOT,
                            "%,d outputs on %s still missing %d s after the window",
                            Long.parseLong(l.get(6)) - Long.parseLong(l.get(7)),
                            l.get(3),
                            LatencyBenchmark.DRAIN_SECONDS)));
            System.out.printf(
                    Locale.ROOT,
                    "- fork %d, %s: app consumer lag at the window's end %,d records (at its start %,d); %s%n",
                    cost.fork() + 1,
                    cost.phase(),
                    lagAtEnd,
                    Long.parseLong(cost.get(9)),
                    problems.isEmpty() ? "rate sustained" : "**NOT sustained**: " + String.join("; ", problems));
        }
    }

    private static double achieved(Row feed) {
        return Long.parseLong(feed.get(4)) / Double.parseDouble(feed.get(5));
    }

    private static void printCost(int rate, List<Row> costs) {
        System.out.printf(
                Locale.ROOT,
                "%n| %,d records/s per input: cost | records/s the app read | app cores | app CPU µs per "
                        + "record | × pass-through | target | broker cores | benchmark JVM cores | app peak RSS MiB |%n",
                rate);
        System.out.println("|---|---:|---:|---:|---:|---|---:|---:|---:|");
        Map<String, List<Row>> byPhase = new LinkedHashMap<>();
        costs.stream()
                .filter(r -> r.rate() == rate)
                .forEach(r -> byPhase.computeIfAbsent(r.phase(), p -> new ArrayList<>())
                        .add(r));
        List<Row> reference = byPhase.getOrDefault(LatencyBenchmark.PASS_THROUGH_PHASE, List.of());
        byPhase.forEach((phase, rows) -> {
            boolean isReference = phase.equals(LatencyBenchmark.PASS_THROUGH_PHASE);
            List<Double> ratios = new ArrayList<>();
            for (Row row : rows) {
                reference.stream()
                        .filter(r -> r.fork() == row.fork())
                        .findFirst()
                        .ifPresent(r -> ratios.add(microsPerRecord(row) / microsPerRecord(r)));
            }
            double ratio = EndToEndBenchmark.median(ratios);
            String target = isReference || rate != LatencyBenchmark.CPU_TARGET_RATE || ratios.isEmpty()
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            "≤ %.0f× %s",
                            LatencyBenchmark.CPU_TARGET_RATIO,
                            ratio <= LatencyBenchmark.CPU_TARGET_RATIO ? "met" : "**missed**");
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,.0f | %.3f | %.1f | %s | %s | %.3f | %.3f | %s |%n",
                    phase,
                    median(rows, r -> Double.parseDouble(r.get(4)) / Double.parseDouble(r.get(3))),
                    median(rows, r -> cores(r.get(5), r.get(3))),
                    median(rows, LatencyReport::microsPerRecord),
                    isReference ? "1" : ratios.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.2f", ratio),
                    target,
                    median(rows, r -> cores(r.get(6), r.get(3))),
                    median(rows, r -> cores(r.get(7), r.get(3))),
                    rows.stream()
                            .map(r -> mib(r.get(8)))
                            .reduce((a, b) -> a + ", " + b)
                            .orElse(""));
        });
        System.out.println();
        System.out.println(
                "cores = CPU seconds (user + system, all threads: GC and JIT included) ÷ wall seconds of the window; "
                        + "records the app read = all feeds' records of the window, orders twice (inventory and notifications read "
                        + "them); × pass-through = the pipelines' µs per record ÷ the pass-through's, same fork and rate (median "
                        + "over forks). Broker and benchmark JVM (feeders, watchers) shown for context; the broker's includes "
                        + "the benchmark's producers and consumers.");
    }

    /**
     * How long each JVM's threads were runnable but had no CPU (Linux's schedstat), median over forks. On a machine
     * whose cores the broker, the app and the benchmark share, this is the delay no setting of the app removes:
     * every wake-up of a stream thread, a producer's sender or the broker's request handlers waits this long on average.
     */
    private static void printCpuWait(int rate, List<Row> waits) {
        List<Row> rows = waits.stream().filter(r -> r.rate() == rate).toList();
        if (rows.isEmpty()) {
            return;
        }
        System.out.printf(
                Locale.ROOT, "%n| %,d records/s per input: waiting for a CPU | app | broker | benchmark JVM |%n", rate);
        System.out.println("|---|---|---|---|");
        Map<String, List<Row>> byPhase = new LinkedHashMap<>();
        rows.forEach(
                r -> byPhase.computeIfAbsent(r.phase(), p -> new ArrayList<>()).add(r));
        byPhase.forEach((phase, phaseRows) -> System.out.printf(
                Locale.ROOT,
                "| %s | %s | %s | %s |%n",
                phase,
                cpuWait(phaseRows, 4),
                cpuWait(phaseRows, 6),
                cpuWait(phaseRows, 8)));
        System.out.println();
        System.out.println(
                "waiting = time the JVM's threads were runnable but not running (schedstat, summed over threads) "
                        + "÷ wall seconds, and per wake-up: that time ÷ the times a thread was put on a CPU; median over forks.");
    }

    private static String cpuWait(List<Row> rows, int field) {
        return cpuWait(
                (long) median(rows, r -> Double.parseDouble(r.get(field))),
                (long) median(rows, r -> Double.parseDouble(r.get(field + 1))),
                median(rows, r -> Double.parseDouble(r.get(3))));
    }

    static String cpuWait(long waitNanos, long slices, double wallSeconds) {
        return String.format(
                Locale.ROOT,
                "%.3f cores, %.2f ms per wake-up",
                waitNanos / 1e9 / wallSeconds,
                slices == 0 ? 0.0 : waitNanos / 1e6 / slices);
    }

    private static void printIdle(List<Row> idle) {
        if (idle.isEmpty()) {
            return;
        }
        List<Double> app = idle.stream().map(r -> cores(r.get(2), r.get(1))).toList();
        List<Double> broker = idle.stream().map(r -> cores(r.get(3), r.get(1))).toList();
        double median = EndToEndBenchmark.median(app);
        System.out.printf(
                Locale.ROOT,
                "%n### Idle: four pipelines RUNNING, no input, %.0f s (after the last rate, caught up, "
                        + "5 s settled)%n%napp %.4f cores (forks: %s), target ≤ %.2f %s; broker %.4f cores%n%n",
                Double.parseDouble(idle.get(0).get(1)),
                median,
                String.join(
                        ", ",
                        app.stream()
                                .map(c -> String.format(Locale.ROOT, "%.4f", c))
                                .toList()),
                LatencyBenchmark.IDLE_TARGET_CORES,
                median <= LatencyBenchmark.IDLE_TARGET_CORES ? "met" : "**missed**",
                EndToEndBenchmark.median(broker));
    }

    private static double microsPerRecord(Row cost) {
        return Long.parseLong(cost.get(5)) / 1e3 / Long.parseLong(cost.get(4));
    }

    private static double cores(String cpuNanos, String wallSeconds) {
        return Long.parseLong(cpuNanos) / 1e9 / Double.parseDouble(wallSeconds);
    }

    private static double median(List<Row> rows, ToDoubleFunction<Row> value) {
        return EndToEndBenchmark.median(rows.stream().map(value::applyAsDouble).toList());
    }

    private static String ms(long millis) {
        return millis < 0 ? "n/a" : Long.toString(millis);
    }

    private static String mib(String bytes) {
        long value = Long.parseLong(bytes);
        return value < 0 ? "n/a" : Long.toString(value >> 20);
    }
}
