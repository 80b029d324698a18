package io.eventpipelines.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/** Memory and CPU figures of a process, from Linux's {@code /proc} (empty or 0 elsewhere). */
final class ProcStatus {
    private ProcStatus() {
    }

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
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
    }

    static long selfCpuNanos() {
        return cpuNanos(ProcessHandle.current().pid());
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }
}
