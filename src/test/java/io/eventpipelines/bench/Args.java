package io.eventpipelines.bench;

import java.util.List;

/** Command-line option values of the benchmarks, each failing with one line naming the option. */
final class Args {
    private Args() {}

    static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }

    static long number(String option, String raw) {
        try {
            return Long.parseLong(raw.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + raw + "' is not a whole number");
        }
    }

    static long positive(String option, String raw, long max) {
        long value = number(option, raw);
        if (value <= 0 || value > max) {
            throw new IllegalArgumentException(option + ": '" + raw + "' must be between 1 and " + max);
        }
        return value;
    }
}
