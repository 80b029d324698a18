package io.eventpipelines.bench;

import io.eventpipelines.testing.ShutdownHooks;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Runs a benchmark in several JVMs, one after the other, and reports every fork's results together (the end-to-end
 * benchmark's ratios here; {@link LatencyBenchmark} reports its own). Each fork is a complete run (its own broker,
 * warm-up and measured rounds) that also writes its measured results to a file for this JVM. Rounds within one JVM
 * share how its JIT compiled the hot paths, so they agree with each other more than two runs agree: only forks show
 * that spread.
 */
final class Forks {
    private static final String RSS = "rss";

    private Forks() {}

    static String resultLine(String name, int round, double recordsPerSecond, double ratio, double cpuRatio) {
        return String.join(
                "\t",
                name,
                Integer.toString(round),
                Double.toString(recordsPerSecond),
                Double.toString(ratio),
                Double.toString(cpuRatio));
    }

    static String rssLine(long appBytes, long brokerBytes) {
        return String.join("\t", RSS, Long.toString(appBytes), Long.toString(brokerBytes));
    }

    /** What reads the forks' result files, once every fork has run. */
    interface Report {
        void print(List<Path> resultFiles) throws IOException;
    }

    /** @return 0 when every fork ran and found every output as expected */
    static int run(EndToEndBenchmark.Options options, List<String> tokens) throws IOException, InterruptedException {
        return run("e2e", EndToEndBenchmark.class, options.forks(), tokens, files -> report(options, files));
    }

    /**
     * Runs {@code main} with {@code tokens} in {@code forks} JVMs, one after the other, each with {@code --forks 1
     * --results-file FILE}; then hands the files to {@code report}.
     * @return 0 when every fork exited with 0, else the first failing fork's status
     */
    static int run(String name, Class<?> main, int forks, List<String> tokens, Report report)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target").toAbsolutePath()), name + "-forks-");
        AtomicReference<Process> current = new AtomicReference<>();
        // Stopping this JVM stops the fork too, which then stops its broker and deletes its files itself.
        Thread cleanup = new Thread(
                () -> {
                    stop(current.get());
                    BrokerProcess.deleteQuietly(dir);
                },
                name + "-forks-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            String classpath = frozenClasspath(dir.resolve("classpath"));
            List<Path> files = new ArrayList<>();
            for (int fork = 1; fork <= forks; fork++) {
                System.out.printf(Locale.ROOT, "# fork %d of %d%n%n", fork, forks);
                Path file = dir.resolve("fork-" + fork + ".tsv");
                int status = runFork(main, tokens, classpath, file, current);
                if (status != 0) {
                    System.out.printf(Locale.ROOT, "%s: fork %d failed (exit %d)%n", name, fork, status);
                    return status;
                }
                files.add(file);
                System.out.println();
            }
            report.print(files);
            return 0;
        } finally {
            stop(current.get());
            BrokerProcess.deleteQuietly(dir);
            ShutdownHooks.remove(cleanup);
        }
    }

    /**
     * The classpath with its directories copied: a fork starts minutes after this JVM, and a build meanwhile would
     * give it other classes than the earlier forks ran.
     */
    private static String frozenClasspath(Path copies) throws IOException {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.isDirectory(source)) {
                entries.add(entry);
                continue;
            }
            Path target = copies.resolve(Integer.toString(entries.size()));
            try (Stream<Path> paths = Files.walk(source)) {
                for (Path path : (Iterable<Path>) paths::iterator) {
                    Path copy = target.resolve(source.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(path, copy);
                    }
                }
            }
            entries.add(target.toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** This JVM's command line again (its JVM options included), with one fork and a results file. */
    private static int runFork(
            Class<?> main, List<String> tokens, String classpath, Path resultsFile, AtomicReference<Process> current)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(classpath);
        command.add(main.getName());
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).equals("--forks") || tokens.get(i).equals("--results-file")) {
                i++;
            } else {
                command.add(tokens.get(i));
            }
        }
        command.addAll(List.of("--forks", "1", "--results-file", resultsFile.toString()));
        System.out.flush();
        Process process = new ProcessBuilder(command).inheritIO().start();
        current.set(process);
        try {
            return process.waitFor();
        } finally {
            stop(process);
            current.set(null);
        }
    }

    /** SIGTERM first, so that the fork stops its broker and deletes its files; SIGKILL if it hangs. */
    private static void stop(Process process) {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Field {@code field} of one fork's results of a run, by round. */
    private static Map<Integer, Double> byRound(List<double[]> results, int field) {
        Map<Integer, Double> byRound = new TreeMap<>();
        results.forEach(r -> byRound.put((int) r[3], r[field]));
        return byRound;
    }

    private static void report(EndToEndBenchmark.Options options, List<Path> files) throws IOException {
        Map<String, List<List<double[]>>> byRun = new LinkedHashMap<>();
        long appRss = -1;
        long brokerRss = -1;
        for (int fork = 0; fork < files.size(); fork++) {
            for (String line : Files.readAllLines(files.get(fork))) {
                String[] fields = line.split("\t");
                if (fields[0].equals(RSS)) {
                    appRss = Math.max(appRss, Long.parseLong(fields[1]));
                    brokerRss = Math.max(brokerRss, Long.parseLong(fields[2]));
                    continue;
                }
                List<List<double[]>> forks = byRun.computeIfAbsent(fields[0], name -> new ArrayList<>());
                while (forks.size() <= fork) {
                    forks.add(new ArrayList<>());
                }
                // records/s, × baseline, CPU × baseline, round
                forks.get(fork).add(new double[] {
                    Double.parseDouble(fields[2]),
                    Double.parseDouble(fields[3]),
                    Double.parseDouble(fields[4]),
                    Integer.parseInt(fields[1])
                });
            }
        }
        System.out.printf(
                Locale.ROOT,
                "## All forks: %d × %d rounds, %,d records, %d partitions, num.stream.threads=%d%n%n",
                files.size(),
                options.rounds(),
                options.records(),
                options.partitions(),
                options.threads());
        System.out.println(
                "| run | records/s, median of all rounds (min–max) | × baseline, median of all rounds (min–max) "
                        + "| × baseline, median of each fork | CPU × baseline |");
        System.out.println("|---|---:|---:|---|---:|");
        byRun.forEach((name, forks) -> {
            List<double[]> all = forks.stream().flatMap(List::stream).toList();
            List<Double> rates = all.stream().map(r -> r[0]).toList();
            List<Double> ratios = all.stream().map(r -> r[1]).toList();
            double ratio = EndToEndBenchmark.median(ratios);
            List<String> perFork = forks.stream()
                    .map(rounds -> String.format(
                            Locale.ROOT,
                            "%.2f",
                            EndToEndBenchmark.median(
                                    rounds.stream().map(r -> r[1]).toList())))
                    .toList();
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,.0f (%,.0f–%,.0f) | %.2f (%.2f–%.2f) | %s | %.2f |%n",
                    name,
                    EndToEndBenchmark.median(rates),
                    EndToEndBenchmark.min(rates),
                    EndToEndBenchmark.max(rates),
                    ratio,
                    EndToEndBenchmark.min(ratios),
                    EndToEndBenchmark.max(ratios),
                    String.join(", ", perFork),
                    EndToEndBenchmark.median(all.stream().map(r -> r[2]).toList()));
        });
        Map<String, List<Map<Integer, Double>>> rates = new LinkedHashMap<>();
        byRun.forEach((name, forks) ->
                rates.put(name, forks.stream().map(rounds -> byRound(rounds, 0)).toList()));
        EndToEndBenchmark.againstReferences(rates).forEach(System.out::println);
        List<List<double[]>> eos = byRun.get(EndToEndBenchmark.NOTIFICATIONS_EOS);
        List<List<double[]>> alos = byRun.get(EndToEndBenchmark.NOTIFICATIONS_ALOS);
        if (eos != null && alos != null) {
            List<Double> ratios = new ArrayList<>();
            List<Double> forkMedians = new ArrayList<>();
            List<Double> cpuRatios = new ArrayList<>();
            for (int fork = 0; fork < Math.min(eos.size(), alos.size()); fork++) {
                // records/s, and CPU per record × baseline of the same round, whose baseline cancels out.
                List<Double> forkRatios =
                        EndToEndBenchmark.sameRoundRatios(byRound(eos.get(fork), 0), byRound(alos.get(fork), 0));
                ratios.addAll(forkRatios);
                forkMedians.add(EndToEndBenchmark.median(forkRatios));
                cpuRatios.addAll(
                        EndToEndBenchmark.sameRoundRatios(byRound(eos.get(fork), 2), byRound(alos.get(fork), 2)));
            }
            System.out.printf(Locale.ROOT, "%n%s%n", EndToEndBenchmark.exactlyOnceCost(ratios, forkMedians, cpuRatios));
        }
        System.out.printf(
                Locale.ROOT,
                "%npeak RSS over all forks: benchmark JVM %d MiB, broker JVM %d MiB%n",
                appRss >> 20,
                brokerRss >> 20);
    }
}
