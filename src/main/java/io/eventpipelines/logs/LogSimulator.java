package io.eventpipelines.logs;

import java.time.Instant;
import java.util.Locale;
import java.util.Random;
import org.apache.kafka.streams.KeyValue;

/** Simulated application logs with a production-like level mix. The same seed gives the same events. */
public final class LogSimulator {
    private static final String[] SERVICES = {"checkout", "payments", "search", "catalog", "auth", "shipping"};
    private static final String[] HOSTS = {"node-a", "node-b", "node-c", "node-d"};
    /** Cumulative weights, in per mille: TRACE 5%, DEBUG 20%, INFO 55%, WARN 12%, ERROR 7%, FATAL 0.5%, UNKNOWN 0.5%. */
    private static final LogLevel[] LEVELS = {
        LogLevel.TRACE, LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR, LogLevel.FATAL, LogLevel.UNKNOWN
    };

    private static final int[] CUMULATIVE = {50, 250, 800, 920, 990, 995, 1000};
    private static final String[][] MESSAGES = {
        {"entering %s handler", "cache lookup for key %d"},
        {"request %d parsed in %d ms", "retrying connection attempt %d"},
        {"request %d served in %d ms", "user %d logged in"},
        {"slow response: %d ms for request %d", "pool at %d%% capacity"},
        {"request %d failed: upstream timeout after %d ms", "payment %d declined by provider"},
        {"out of memory after %d requests", "cannot bind port %d"},
        {"unclassified event %d"}
    };

    private final Random random;

    public LogSimulator(long seed) {
        this.random = new Random(seed);
    }

    /** The next event, keyed by service. */
    public KeyValue<String, LogEvent> next(Instant now) {
        int roll = random.nextInt(1000);
        int level = 0;
        while (roll >= CUMULATIVE[level]) {
            level++;
        }
        String service = SERVICES[random.nextInt(SERVICES.length)];
        String[] templates = MESSAGES[level];
        String message = String.format(
                Locale.ROOT,
                templates[random.nextInt(templates.length)].replace("%s", service),
                random.nextInt(100_000),
                1 + random.nextInt(2_000));
        return KeyValue.pair(
                service, new LogEvent(now, LEVELS[level], service, message, HOSTS[random.nextInt(HOSTS.length)]));
    }
}
