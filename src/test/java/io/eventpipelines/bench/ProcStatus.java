package io.eventpipelines.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/** Memory and CPU figures of a process, from Linux's {@code /proc} (empty or 0 elsewhere). */
final class ProcStatus {
    private ProcStatus() {}

    /** A {@code kB} field of {@code /proc/<pid>/status}, e.g. VmHWM (peak resident set) or VmRSS. */
    static OptionalLong kilobytes(long pid, String field) {
        return kilobytes(Path.of("/proc", Long.toString(pid), "status"), field);
    }

    static OptionalLong selfKilobytes(String field) {
        return kilobytes(Path.of("/proc/self/status"), field);
    }

    private static OptionalLong kilobytes(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field + ":")) {
                    String value = line.substring(field.length() + 1).trim();
                    return OptionalLong.of(Long.parseLong(value.split("\\s+")[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return OptionalLong.empty();
    }

    /** User + system CPU time of a process so far. */
    static long cpuNanos(long pid) {
        return ProcessHandle.of(pid)
                .flatMap(p -> p.info().totalCpuDuration())
                .map(Duration::toNanos)
                .orElse(0L);
    }

    static long selfCpuNanos() {
        return cpuNanos(ProcessHandle.current().pid());
    }

    /**
     * Scheduler figures of a process's threads ({@code /proc/<pid>/task/<tid>/schedstat}): time on a CPU, time
     * runnable but waiting for one, and how many times a thread was put on a CPU. The wait is what an overloaded
     * machine adds to every step of a record's way.
     */
    record Sched(long runNanos, long waitNanos, long slices) {
        static final Sched NONE = new Sched(0, 0, 0);

        Sched plus(Sched other) {
            return new Sched(runNanos + other.runNanos, waitNanos + other.waitNanos, slices + other.slices);
        }

        Sched minus(Sched earlier) {
            return new Sched(runNanos - earlier.runNanos, waitNanos - earlier.waitNanos, slices - earlier.slices);
        }
    }

    /** Each live thread's figures so far, by thread id. */
    static Map<String, Sched> sched(long pid) {
        Map<String, Sched> threads = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String[] fields =
                            Files.readString(task.resolve("schedstat")).trim().split("\\s+");
                    threads.put(
                            task.getFileName().toString(),
                            new Sched(Long.parseLong(fields[0]), Long.parseLong(fields[1]), Long.parseLong(fields[2])));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we listed them
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return threads;
    }

    static Map<String, Sched> selfSched() {
        return sched(ProcessHandle.current().pid());
    }

    /**
     * What the threads alive at {@code after} did since {@code before}: a thread started meanwhile counts whole, one
     * that ended meanwhile is missing (its figures went with it), so the sum is a lower bound.
     */
    static Sched between(Map<String, Sched> before, Map<String, Sched> after) {
        Sched total = Sched.NONE;
        for (Map.Entry<String, Sched> thread : after.entrySet()) {
            total = total.plus(thread.getValue().minus(before.getOrDefault(thread.getKey(), Sched.NONE)));
        }
        return total;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }
}
