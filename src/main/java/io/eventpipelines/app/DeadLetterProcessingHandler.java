package io.eventpipelines.app;

import io.eventpipelines.avro.Causes;
import io.eventpipelines.avro.SchemaRegistryException;
import io.eventpipelines.streams.DeadLetter;
import io.micrometer.core.instrument.Counter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a topology rejects (an unphysical temperature, a null value, a non-positive restock) go to the
 * pipeline's dead-letter topic as the source record's raw bytes, with the reason in the headers, and
 * processing continues. A step past a repartition, whose source bytes are internal, supplies the user-facing
 * record itself as a {@link DeadLetter}, written with the same headers.
 *
 * <p>Two kinds of failure are not the record's and fail the task instead, so that it is retried and nothing is
 * dead-lettered: a registry problem (an outage, a misconfigured URL, refused credentials or a refused schema, as in
 * {@link DeadLetterDeserializationHandler}), and an output or state that cannot be serialized or sent, which
 * {@link OutputExceptionHandler} has already failed: dead-lettering the record at hand and going on would commit a
 * state change without its output, or lose an earlier record's output.
 */
public class DeadLetterProcessingHandler extends LogAndContinueProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);
    // Kafka Streams' own names (ExceptionHandlerUtils, an internal class), so every dead letter reads the same.
    static final String EXCEPTION_HEADER = "__streams.errors.exception";
    static final String STACKTRACE_HEADER = "__streams.errors.stacktrace";
    static final String MESSAGE_HEADER = "__streams.errors.message";
    static final String TOPIC_HEADER = "__streams.errors.topic";
    static final String PARTITION_HEADER = "__streams.errors.partition";
    static final String OFFSET_HEADER = "__streams.errors.offset";

    private Counter deadLetters = DeadLetterCounter.from(Map.of(), "processing");
    private String deadLetterTopic;

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        deadLetters = DeadLetterCounter.from(configs, "processing");
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        deadLetterTopic = topic == null ? null : topic.toString();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (SchemaRegistryException.isRegistryFailure(exception)) {
            log.error(
                    "Schema Registry unreachable, misconfigured or refusing in processor {} for {}-{}@{}; failing the task: {}",
                    context.processorNodeId(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception.getMessage());
            return Response.fail();
        }
        // Our steps reject a record with an IllegalArgumentException or a DeadLetter; a KafkaException comes from
        // below them: an output or state that cannot be serialized, or a send of an earlier output that failed
        // (Kafka Streams reports it at the next send, inside whichever record forwards next).
        if (Causes.any(exception, KafkaException.class::isInstance)) {
            log.error(
                    "Output or state of processor {} failed while processing {}-{}@{}; failing the task: {}",
                    context.processorNodeId(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception.getMessage());
            return Response.fail();
        }
        if (exception instanceof DeadLetter letter && deadLetterTopic != null) {
            log.warn(
                    "Record rejected in processor {} (task {}), dead-lettered as {} record {}-{}@{}: {}",
                    context.processorNodeId(),
                    context.taskId(),
                    letter.topic(),
                    letter.topic(),
                    letter.partition(),
                    letter.offset(),
                    letter.getMessage());
            deadLetters.increment();
            return Response.resume(List.of(deadLetterRecord(context, letter)));
        }
        Response response = super.handleError(context, record, exception);
        deadLetters.increment(response.deadLetterQueueRecords().size());
        return response;
    }

    private ProducerRecord<byte[], byte[]> deadLetterRecord(ErrorHandlerContext context, DeadLetter letter) {
        ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(
                deadLetterTopic, null, context.timestamp(), letter.key(), letter.value(), letter.headers());
        StringWriter stackTrace = new StringWriter();
        letter.reason().printStackTrace(new PrintWriter(stackTrace));
        header(dead, EXCEPTION_HEADER, letter.reason().getClass().getName());
        header(dead, MESSAGE_HEADER, letter.reason().getMessage());
        header(dead, STACKTRACE_HEADER, stackTrace.toString());
        header(dead, TOPIC_HEADER, letter.topic());
        header(dead, PARTITION_HEADER, String.valueOf(letter.partition()));
        header(dead, OFFSET_HEADER, String.valueOf(letter.offset()));
        return dead;
    }

    private static void header(ProducerRecord<byte[], byte[]> record, String key, String value) {
        record.headers().add(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
