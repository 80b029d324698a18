package io.eventpipelines.streams;

import java.time.Duration;

/**
 * Settings for windowed aggregations that emit once per closed window ({@code EmitStrategy.onWindowClose()},
 * KIP-825), shared by the pipelines that have one.
 */
public final class EmitFinal {
    /**
     * Retention of an emit-final window store. Kafka Streams 4.3's caching layer looks for closed windows one
     * store segment at a time, and a task's first look starts from 1970; a segment spans half the retention, so
     * the default retention (window size plus grace, 70 s here, so segments of the 60 s minimum) means some 29 million
     * empty segments and about 3.5 s of CPU per task at its first emit (seen in a profile). Six hours makes that
     * about 160,000 (milliseconds), and keeps the last six hours of windows queryable, at the cost of storing them.
     */
    public static final Duration STORE_RETENTION = Duration.ofHours(6);

    private EmitFinal() {}

    /** The retention for windows of {@code size} with {@code grace}: at least {@link #STORE_RETENTION}. */
    public static Duration retention(Duration size, Duration grace) {
        Duration needed = size.plus(grace);
        return needed.compareTo(STORE_RETENTION) > 0 ? needed : STORE_RETENTION;
    }
}
