package io.eventpipelines.app;

import io.eventpipelines.avro.Causes;
import io.eventpipelines.avro.SchemaRegistryException;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * Failures after which retrying, or replacing the stream thread, would only fail the same way forever: the cluster
 * or registry refusing the app's identity, and the registry refusing a schema it writes. Each is turned into the
 * one line {@code run} ends with (exit 4 or 5), and every pipeline is stopped.
 */
final class StopReasons {
    private StopReasons() {}

    /** One line naming the subject and the registry's answer, when {@code error} is a refusal of a subject. */
    static Optional<String> schemaRefused(Pipeline pipeline, Throwable error) {
        return SchemaRegistryException.subjectRefusalIn(error)
                .map(refusal -> "schema refused: pipeline " + pipeline.id() + ": subject '" + refusal.subject() + "': "
                        + refusal.getMessage());
    }

    /**
     * One line naming what was refused, when {@code error} is an authentication or authorization failure:
     * retrying or replacing the thread would only fail the same way, forever.
     */
    static Optional<String> accessDenied(Pipeline pipeline, Throwable error) {
        for (Throwable t : Causes.chain(error)) {
            String prefix = "not authorized: pipeline " + pipeline.id() + ": ";
            if (t instanceof TopicAuthorizationException topics) {
                return Optional.of(prefix + "topics " + String.join(", ", new TreeSet<>(topics.unauthorizedTopics()))
                        + " refused: " + t.getMessage());
            }
            if (t instanceof GroupAuthorizationException group) {
                return Optional.of(prefix + "consumer group " + group.groupId() + " refused: " + t.getMessage());
            }
            if (t instanceof TransactionalIdAuthorizationException) {
                return Optional.of(
                        prefix + "transactional id refused (exactly-once needs WRITE on the transactional ids "
                                + "prefixed with the application.id): " + t.getMessage());
            }
            if (t instanceof AuthorizationException) {
                return Optional.of(prefix + t.getMessage());
            }
            if (t instanceof AuthenticationException) {
                return Optional.of("authentication failed: pipeline " + pipeline.id() + ": " + Causes.messages(t));
            }
            if (t instanceof SchemaRegistryException registry && registry.isAccessDenied()) {
                return Optional.of("access denied: pipeline " + pipeline.id() + ": " + t.getMessage());
            }
        }
        return Optional.empty();
    }
}
