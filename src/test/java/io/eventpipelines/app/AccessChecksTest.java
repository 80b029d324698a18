package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.avro.SchemaRegistryException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/** What the app concludes from the cluster's answers about its identity and ACLs (the cluster itself: SecurityIT). */
class AccessChecksTest {
    private static final Set<AclOperation> READER = EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE);
    private static final Set<AclOperation> WRITER = EnumSet.of(AclOperation.WRITE, AclOperation.DESCRIBE);

    @Test
    void inputsNeedReadAndOutputsAndDeadLettersNeedWrite() {
        TopicAdmin.Access allowed = new TopicAdmin.Access(
                Set.of(),
                Set.of(),
                Map.of("temperature-readings", READER, "temperature-alerts", WRITER, "temperature-dlq", WRITER));
        assertEquals(Map.of(), Preflight.lackingOperations(List.of(Pipeline.TEMPERATURE), allowed));

        TopicAdmin.Access noRead = new TopicAdmin.Access(
                Set.of(),
                Set.of(),
                Map.of(
                        "temperature-readings",
                        EnumSet.of(AclOperation.DESCRIBE),
                        "temperature-alerts",
                        READER,
                        "temperature-dlq",
                        WRITER));
        assertEquals(
                Map.of(
                        "temperature-readings",
                        EnumSet.of(AclOperation.READ),
                        "temperature-alerts",
                        EnumSet.of(AclOperation.WRITE)),
                Preflight.lackingOperations(List.of(Pipeline.TEMPERATURE), noRead));
    }

    @Test
    void aTopicThePrincipalMayNotDescribeLacksEverything() {
        TopicAdmin.Access hidden = new TopicAdmin.Access(
                Set.of(),
                Set.of("temperature-readings"),
                Map.of("temperature-alerts", WRITER, "temperature-dlq", WRITER));
        assertEquals(
                Map.of("temperature-readings", EnumSet.of(AclOperation.DESCRIBE, AclOperation.READ)),
                Preflight.lackingOperations(List.of(Pipeline.TEMPERATURE), hidden));
    }

    @Test
    void aBrokerThatDoesNotReportOperationsIsNotSecondGuessed() {
        TopicAdmin.Access unknown = new TopicAdmin.Access(Set.of(), Set.of(), Map.of());
        assertEquals(Map.of(), Preflight.lackingOperations(List.of(Pipeline.values()), unknown));
    }

    @Test
    void runtimeAuthorizationFailuresNameWhatWasRefused() {
        Optional<String> topics = StopReasons.accessDenied(
                Pipeline.TEMPERATURE,
                new StreamsException("task failed", new TopicAuthorizationException(Set.of("temperature-readings"))));
        assertTrue(
                topics.orElseThrow()
                        .startsWith("not authorized: pipeline temperature: topics temperature-readings refused"),
                topics.toString());
        assertTrue(
                StopReasons.accessDenied(Pipeline.LOGS, new GroupAuthorizationException("no", "event-pipelines-logs"))
                        .orElseThrow()
                        .contains("consumer group event-pipelines-logs"));
        assertTrue(StopReasons.accessDenied(
                        Pipeline.INVENTORY,
                        new StreamsException(
                                new TransactionalIdAuthorizationException("Transactional Id authorization failed.")))
                .orElseThrow()
                .contains("transactional id"));
        assertTrue(StopReasons.accessDenied(
                        Pipeline.LOGS,
                        new StreamsException(
                                new SaslAuthenticationException(
                                        "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512")))
                .orElseThrow()
                .startsWith("authentication failed: pipeline logs: Authentication failed"));
        assertTrue(StopReasons.accessDenied(
                        Pipeline.LOGS,
                        new StreamsException(new SchemaRegistryException(
                                "Schema Registry https://r answered HTTP 401", 401, 401, "app-logs-value")))
                .isPresent());
        assertFalse(StopReasons.accessDenied(
                        Pipeline.LOGS,
                        new StreamsException(new SchemaRegistryException("incompatible", 409, 409, "app-logs-value")))
                .isPresent());
        assertFalse(StopReasons.accessDenied(Pipeline.LOGS, new IllegalStateException("a bug"))
                .isPresent());
    }

    @Test
    void theIdentityInMessagesNamesTheUserButNeverThePassword() {
        ClientIdentity sasl = ClientIdentity.of(
                Map.of(
                        "bootstrap.servers",
                        "kafka:9093",
                        "security.protocol",
                        "SASL_SSL",
                        "sasl.mechanism",
                        "SCRAM-SHA-512",
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"app\" password=\"pw-42\";"));
        assertEquals("User:app", sasl.principal());
        assertEquals("security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, user 'app'", sasl.describe());
        assertFalse(sasl.toString().contains("pw-42"));

        ClientIdentity tls = ClientIdentity.of(Map.of(
                "bootstrap.servers",
                "kafka:9094",
                "security.protocol",
                "SSL",
                "ssl.keystore.location",
                "/etc/app.p12",
                "ssl.keystore.password",
                "pw-43"));
        assertEquals("the principal of the client certificate in /etc/app.p12", tls.principal());
        assertFalse(tls.describe().contains("pw-43"));
        assertEquals(
                "User:ANONYMOUS",
                ClientIdentity.of(Map.of("bootstrap.servers", "kafka:9092")).principal());
    }
}
