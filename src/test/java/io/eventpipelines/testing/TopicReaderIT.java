package io.eventpipelines.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TopicReader#assertEmpty}, which the integration tests use for "nothing was dead-lettered", against a real
 * broker: it must see every committed record, whoever wrote it and however recently, and must not mistake
 * transaction markers for records.
 */
class TopicReaderIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = new EmbeddedKafka();
        kafka.createTopics(3, List.of("empty", "plain", "committed", "aborted", "open"));
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    private static KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        Map<String, Object> config = transactionalId == null
                ? Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers())
                : Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        transactionalId);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static ProducerRecord<byte[], byte[]> record(String topic) {
        return new ProducerRecord<>(topic, "k".getBytes(), "dead letter".getBytes());
    }

    @Test
    void anEmptyTopicAndATopicWithOnlyAnAbortedTransactionAreEmpty() throws Exception {
        TopicReader.assertEmpty(kafka.bootstrapServers(), "empty", TIMEOUT, "never written");

        try (KafkaProducer<byte[], byte[]> producer = producer("aborting")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record("aborted")).get();
            producer.abortTransaction();
        }
        // The aborted record and its marker move the end offset, so "end offset 0" would call this topic non-empty.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            assertTrue(Transactions.end(admin, "aborted").highWatermark() > 0);
        }
        TopicReader.assertEmpty(kafka.bootstrapServers(), "aborted", TIMEOUT, "only an aborted transaction");
    }

    @Test
    void aRecordWrittenJustBeforeTheCheckIsFound() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(null)) {
            producer.send(record("plain")).get();
        }
        assertThrows(
                AssertionError.class,
                () -> TopicReader.assertEmpty(kafka.bootstrapServers(), "plain", TIMEOUT, "plain"));

        try (KafkaProducer<byte[], byte[]> producer = producer("committing")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record("committed")).get();
            producer.commitTransaction();
        }
        assertThrows(
                AssertionError.class,
                () -> TopicReader.assertEmpty(kafka.bootstrapServers(), "committed", TIMEOUT, "committed"));
    }

    @Test
    void aTransactionStillOpenAtTheCheckIsNotTakenForEmpty() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer("open")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record("open")).get();
            // read_committed sees nothing yet: the check cannot pass until the transaction is over.
            AssertionError undecided = assertThrows(
                    AssertionError.class,
                    () -> TopicReader.assertEmpty(kafka.bootstrapServers(), "open", Duration.ofSeconds(2), "open"));
            assertTrue(undecided.getMessage().contains("Timed out"), undecided.getMessage());

            producer.commitTransaction();
            AssertionError found = assertThrows(
                    AssertionError.class,
                    () -> TopicReader.assertEmpty(kafka.bootstrapServers(), "open", TIMEOUT, "open"));
            assertTrue(found.getMessage().contains("1 record(s) in open"), found.getMessage());
        }
    }
}
