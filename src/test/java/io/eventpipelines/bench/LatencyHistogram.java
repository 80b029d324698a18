package io.eventpipelines.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Latencies in whole milliseconds, counted exactly (one bucket per millisecond up to {@link #LIMIT_MS}; the maximum
 * is kept exactly beyond it). Millisecond buckets because both ends of a measured latency are milliseconds: the
 * event's timestamp field and the broker's LogAppendTime. Written by one thread, read after it stopped (or under the
 * caller's lock).
 */
final class LatencyHistogram {
    static final int LIMIT_MS = 120_000;

    private final long[] counts = new long[LIMIT_MS + 1];
    private long total;
    private long max;

    void record(long millis) {
        long clamped = Math.max(0, millis);
        counts[(int) Math.min(clamped, LIMIT_MS)]++;
        total++;
        max = Math.max(max, clamped);
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i <= LIMIT_MS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    long count() {
        return total;
    }

    long max() {
        return max;
    }

    /** The smallest latency that at least {@code fraction} of the records did not exceed; -1 when empty. */
    long percentile(double fraction) {
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int i = 0; i <= LIMIT_MS; i++) {
            seen += counts[i];
            if (seen >= Math.max(1, rank)) {
                return i == LIMIT_MS ? max : i;
            }
        }
        return max;
    }

    /** {@code ms:count,...} of the non-empty buckets, then {@code max:<max>}: for a fork's results file. */
    String encode() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i <= LIMIT_MS; i++) {
            if (counts[i] != 0) {
                parts.add(i + ":" + counts[i]);
            }
        }
        parts.add("max:" + max);
        return String.join(",", parts);
    }

    static LatencyHistogram decode(String encoded) {
        LatencyHistogram histogram = new LatencyHistogram();
        for (String part : encoded.split(",")) {
            String[] fields = part.split(":");
            if (fields[0].equals("max")) {
                histogram.max = Math.max(histogram.max, Long.parseLong(fields[1]));
                continue;
            }
            long n = Long.parseLong(fields[1]);
            histogram.counts[Integer.parseInt(fields[0])] += n;
            histogram.total += n;
        }
        return histogram;
    }
}
