package io.eventpipelines.app;

import io.eventpipelines.avro.SchemaRegistryException;
import io.eventpipelines.avro.SchemaRegistryUnavailableException;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when an output cannot be written: the task fails, and the input record is never dead-lettered.
 *
 * <p>Kafka Streams' default handler sends the <em>input</em> record to the dead-letter topic whenever one is
 * configured, whatever went wrong with the output. But an output that cannot be written says nothing about the
 * input: the registry may be down (the record must be retried once it is back), or refuse the output's schema (a
 * deployment error, which {@link PipelineRunner} turns into a stop of every pipeline), or the output may be too
 * large for its topic. Failing the task also aborts its transaction under exactly-once, so that no state change
 * is committed without the output it caused; under at-least-once the input's offset is not committed.
 *
 * <p>The failure then reaches the processor that forwarded the record, whose processing handler
 * ({@link DeadLetterProcessingHandler}) fails as well, for the same reasons.
 */
public class OutputExceptionHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(OutputExceptionHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {}

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(
            ErrorHandlerContext context,
            ProducerRecord record,
            Exception exception,
            SerializationExceptionOrigin origin) {
        String why = SchemaRegistryUnavailableException.isCauseOf(exception)
                ? "Schema Registry unreachable; the record is retried once it is back"
                : SchemaRegistryException.subjectRefusalIn(exception).isPresent()
                        ? "Schema Registry refused the output's schema (a deployment error)"
                        : "the output cannot be serialized";
        log.error(
                "Output to topic {} of processor {}, caused by {}-{}@{}, not written: {}; failing the task, "
                        + "nothing dead-lettered: {}",
                record.topic(),
                context.processorNodeId(),
                context.topic(),
                context.partition(),
                context.offset(),
                why,
                exception.getMessage());
        return Response.fail();
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RetriableException) {
            return Response.retry();
        }
        log.error(
                "Output to topic {} of processor {}, caused by {}-{}@{}, not written; failing the task, nothing "
                        + "dead-lettered: {}",
                record.topic(),
                context.processorNodeId(),
                context.topic(),
                context.partition(),
                context.offset(),
                exception.toString());
        return Response.fail();
    }
}
