package io.eventpipelines.app;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One JSON object per line, for log pipelines: logback's own {@link JsonEncoder} ({@code timestamp}, {@code level},
 * {@code loggerName}, {@code threadName}, {@code formattedMessage}, {@code throwable}, {@code mdc}), plus
 * {@code pipeline} where the line belongs to one. Kafka Streams names each pipeline's threads after its application
 * id and client id ({@code <prefix>-<pipeline>-<uuid>-StreamThread-1}, and its producers' and consumers' threads
 * after those), so the pipeline is read from the thread's name; an MDC {@code pipeline} takes precedence.
 */
public final class JsonLogEncoder extends JsonEncoder {
    private static final List<String> PIPELINES =
            Arrays.stream(Pipeline.values()).map(Pipeline::id).toList();
    private static final Pattern THREAD = Pattern.compile(
            "-(" + String.join("|", PIPELINES) + ")-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    public JsonLogEncoder() {
        setWithSequenceNumber(false);
        setWithNanoseconds(false);
        setWithContext(false);
        setWithMessage(false);
        setWithFormattedMessage(true);
        setWithArguments(false);
    }

    @Override
    protected void appendCustomFields(StringBuilder out, ILoggingEvent event) {
        String pipeline = pipelineOf(event);
        if (pipeline != null) {
            out.append(',');
            appenderMember(out, "pipeline", pipeline);
        }
    }

    static String pipelineOf(ILoggingEvent event) {
        String fromMdc = event.getMDCPropertyMap().get("pipeline");
        if (fromMdc != null && PIPELINES.contains(fromMdc)) {
            return fromMdc;
        }
        Matcher matcher = THREAD.matcher(event.getThreadName() == null ? "" : event.getThreadName());
        return matcher.find() ? matcher.group(1) : null;
    }
}
