package io.eventpipelines.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops one message Kafka logs as an ERROR although nothing is wrong: on a first start, Kafka Streams creates each
 * pipeline's changelog and repartition topics and at once asks for their offsets; the admin client's leader lookup
 * (Kafka 4.3's {@code PartitionLeaderStrategy}) meets a broker whose metadata does not show the new topic yet, logs
 * {@code Received unknown topic error for topic ...} at ERROR, and Kafka Streams retries until it does. A first start
 * printed 15 to 120 of them. Only that message of that logger is dropped: every other line of it, and every
 * other unknown-topic error, is kept. Kafka prefixes the message with the client's log context ({@code [AdminClient
 * clientId=...]}), hence {@code contains}. Installed by {@code logback.xml}.
 */
public final class KafkaNoiseFilter extends TurboFilter {
    static final String LOGGER = "org.apache.kafka.clients.admin.internals.PartitionLeaderStrategy";
    static final String MESSAGE = "Received unknown topic error for topic";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        boolean noise = level == Level.ERROR
                && format != null
                && format.contains(MESSAGE)
                && logger.getName().equals(LOGGER);
        return noise ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
