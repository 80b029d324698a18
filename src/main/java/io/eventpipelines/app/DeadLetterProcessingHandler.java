package io.eventpipelines.app;

import io.eventpipelines.avro.SchemaRegistryException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import io.micrometer.core.instrument.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Records a topology rejects (an unphysical temperature, a null value, a non-positive restock) go to the
 * pipeline's dead-letter topic as the source record's raw bytes, with the reason in the headers, and
 * processing continues. Two kinds of failure are not the record's and fail the task instead, so that it is
 * retried and nothing is dead-lettered: a registry problem (an outage, a misconfigured URL, refused credentials
 * or a refused schema, as in {@link DeadLetterDeserializationHandler}), and an output or state that cannot be
 * serialized, which {@link OutputExceptionHandler} has already failed: dead-lettering the input and going on
 * would commit a state change without its output.
 */
public class DeadLetterProcessingHandler extends LogAndContinueProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);
    private Counter deadLetters = DeadLetterCounter.from(Map.of(), "processing");

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        deadLetters = DeadLetterCounter.from(configs, "processing");
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (SchemaRegistryException.isRegistryFailure(exception)) {
            log.error("Schema Registry unreachable, misconfigured or refusing in processor {} for {}-{}@{}; failing the task: {}",
                    context.processorNodeId(), context.topic(), context.partition(), context.offset(), exception.getMessage());
            return Response.fail();
        }
        if (Causes.any(exception, SerializationException.class::isInstance)) {
            log.error("Output or state of processor {} for {}-{}@{} cannot be serialized; failing the task: {}",
                    context.processorNodeId(), context.topic(), context.partition(), context.offset(), exception.getMessage());
            return Response.fail();
        }
        Response response = super.handleError(context, record, exception);
        deadLetters.increment(response.deadLetterQueueRecords().size());
        return response;
    }
}
