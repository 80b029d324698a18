package io.eventpipelines.app;

import io.eventpipelines.avro.SchemaRegistryException;
import io.micrometer.core.instrument.Counter;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' log-and-continue handler with its built-in dead-letter queue (KIP-1034): a record that does
 * not decode is written, raw, to {@code errors.dead.letter.queue.topic.name} with the cause in
 * {@code __streams.errors.*} headers. The one exception is a Schema Registry outage, which fails the task so
 * the record is retried instead of dead-lettered.
 */
public class DeadLetterDeserializationHandler extends LogAndContinueExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);
    private Counter deadLetters = DeadLetterCounter.from(Map.of(), "deserialization");

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        deadLetters = DeadLetterCounter.from(configs, "deserialization");
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (SchemaRegistryException.isRegistryFailure(exception)) {
            log.error(
                    "Schema Registry unreachable or refusing access while decoding {}-{}@{}; failing the task so the record is retried, not dead-lettered: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    exception.getMessage());
            return Response.fail();
        }
        Response response = super.handleError(context, record, exception);
        deadLetters.increment(response.deadLetterQueueRecords().size());
        return response;
    }
}
