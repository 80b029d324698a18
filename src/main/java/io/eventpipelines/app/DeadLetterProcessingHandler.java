package io.eventpipelines.app;

import io.eventpipelines.avro.SchemaRegistryException;
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
 * processing continues. A Schema Registry outage fails the task instead, as in
 * {@link DeadLetterDeserializationHandler}.
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
            log.error("Schema Registry unreachable or refusing access in processor {} for {}-{}@{}; failing the task: {}",
                    context.processorNodeId(), context.topic(), context.partition(), context.offset(), exception.getMessage());
            return Response.fail();
        }
        Response response = super.handleError(context, record, exception);
        deadLetters.increment(response.deadLetterQueueRecords().size());
        return response;
    }
}
