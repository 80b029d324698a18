package io.eventpipelines.app.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.filter.Filter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The demo's console is for its summary: everything logged goes to a file instead (the embedded broker's and Kafka
 * Streams' start-up chatter included), and only the app's own warnings and errors stay on the console too.
 */
final class DemoLogging {
    private static final String PATTERN = "%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n";
    private static final String APP_LOGGERS = "io.eventpipelines";

    private DemoLogging() {}

    /**
     * Sends every log line to {@code file} until the returned handle is closed, which puts the console back as it
     * was; empty (nothing changed) when logback is not the backend.
     */
    static Optional<AutoCloseable> toFile(Path file) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return Optional.empty();
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        List<Appender<ILoggingEvent>> consoles = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(consoles::add);

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        FileAppender<ILoggingEvent> log = new FileAppender<>();
        log.setContext(context);
        log.setName("demo-file");
        log.setFile(file.toString());
        log.setAppend(false);
        log.setEncoder(encoder);
        log.start();

        consoles.forEach(root::detachAppender);
        root.addAppender(log);
        // The app's loggers keep the console, for what a user must see: warnings and errors.
        Logger app = context.getLogger(APP_LOGGERS);
        List<List<Filter<ILoggingEvent>>> filters = new ArrayList<>();
        for (Appender<ILoggingEvent> console : consoles) {
            filters.add(console.getCopyOfAttachedFiltersList());
            ThresholdFilter warnings = new ThresholdFilter();
            warnings.setLevel(Level.WARN.levelStr);
            warnings.start();
            console.addFilter(warnings);
            app.addAppender(console);
        }
        return Optional.of(() -> {
            for (int i = 0; i < consoles.size(); i++) {
                Appender<ILoggingEvent> console = consoles.get(i);
                app.detachAppender(console);
                console.clearAllFilters();
                filters.get(i).forEach(console::addFilter);
                root.addAppender(console);
            }
            root.detachAppender(log);
            log.stop();
        });
    }
}
