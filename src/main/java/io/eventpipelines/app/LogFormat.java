package io.eventpipelines.app;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * How the console logs: {@code text} (the default, for people) or {@code json} (one object per line, for log
 * pipelines: {@link JsonLogEncoder}). Chosen by {@code log.format} or {@code EVENT_PIPELINES_LOG_FORMAT}, applied to
 * the console appenders logback.xml set up.
 */
public enum LogFormat {
    TEXT,
    JSON;

    public static LogFormat parse(String value) {
        return valueOf(value.strip().toUpperCase(Locale.ROOT));
    }

    /** Switches the console to this format (text is logback.xml's own); nothing when logback is not the backend. */
    public void apply() {
        if (this == TEXT || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.iteratorForAppenders().forEachRemaining(appender -> {
            if (appender instanceof ConsoleAppender<ILoggingEvent> console
                    && !(console.getEncoder() instanceof JsonLogEncoder)) {
                JsonLogEncoder encoder = new JsonLogEncoder();
                encoder.setContext(context);
                encoder.start();
                console.stop();
                console.setEncoder(encoder);
                console.start();
            }
        });
    }
}
