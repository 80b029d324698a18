package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/** The production logging configuration drops exactly Kafka's first-start noise, and nothing else. */
class KafkaNoiseFilterTest {
    @Test
    void onlyTheLeaderLookupsUnknownTopicErrorIsDropped() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(Path.of("src/main/resources/logback.xml").toFile());
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(context);
        seen.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(seen);
        Logger leaders = context.getLogger(KafkaNoiseFilter.LOGGER);
        Exception unknown = new UnknownTopicOrPartitionException("unknown");

        // As Kafka's LogContext passes it: the client's prefix, then the message.
        leaders.error(
                "[AdminClient clientId=app-logs-admin] Received unknown topic error for topic {}",
                "app-inventory-inventory-stock-changelog",
                unknown);
        leaders.error("Received authorization failure for topic {}", "orders", unknown);
        context.getLogger("org.apache.kafka.clients.admin.KafkaAdminClient")
                .error("Received unknown topic error for topic {}", "orders", unknown);
        context.getLogger("io.eventpipelines.app.PipelineRunner").error("Received unknown topic error for topic x");

        assertEquals(
                List.of(
                        "Received authorization failure for topic orders",
                        "Received unknown topic error for topic orders",
                        "Received unknown topic error for topic x"),
                seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        context.stop();
    }
}
