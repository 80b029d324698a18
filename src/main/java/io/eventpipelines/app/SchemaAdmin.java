package io.eventpipelines.app;

import io.eventpipelines.avro.SchemaRegistryClient;
import io.eventpipelines.avro.SchemaRegistryClient.CompatibilityResult;
import io.eventpipelines.avro.SchemaRegistryException;
import io.eventpipelines.avro.SchemaRegistryUnavailableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** The app's subjects (TopicNameStrategy: {@code <topic>-value}) and their schemas, as the registry should hold them. */
public final class SchemaAdmin {
    public static final String DEFAULT_COMPATIBILITY = "BACKWARD";

    private SchemaAdmin() {}

    /** Subject to local schema for every topic the pipelines read or write through the registry, internal ones included. */
    public static Map<String, Schema> subjectsOf(Collection<Pipeline> pipelines, String applicationIdPrefix) {
        Map<String, Schema> subjects = new TreeMap<>();
        for (Pipeline pipeline : pipelines) {
            addAll(subjects, pipeline.inputs());
            addAll(subjects, pipeline.outputs());
            addAll(subjects, pipeline.internalTopics(applicationIdPrefix));
        }
        return subjects;
    }

    private static void addAll(Map<String, Schema> subjects, Map<String, Class<? extends SpecificRecord>> topics) {
        topics.forEach((topic, type) ->
                subjects.put(topic + "-value", SpecificData.get().getSchema(type)));
    }

    public record Registered(String subject, int id) {}

    /**
     * Sets each subject's compatibility, then registers its schema, so the level already applies to this
     * registration. A registry that refuses a level for a subject it does not know yet gets it right after.
     */
    public static List<Registered> register(
            SchemaRegistryClient client, Map<String, Schema> subjects, String compatibility) {
        List<Registered> registered = new ArrayList<>();
        subjects.forEach((subject, schema) -> {
            boolean levelSet = trySetCompatibility(client, subject, compatibility);
            int id = client.register(subject, schema);
            if (!levelSet) {
                client.updateCompatibility(subject, compatibility);
            }
            registered.add(new Registered(subject, id));
        });
        return registered;
    }

    private static boolean trySetCompatibility(SchemaRegistryClient client, String subject, String compatibility) {
        try {
            client.updateCompatibility(subject, compatibility);
            return true;
        } catch (SchemaRegistryException e) {
            if (e.status() == 404 && !(e instanceof SchemaRegistryUnavailableException)) {
                return false;
            }
            throw e;
        }
    }

    /** Subject to the registry's verdict on the local schema. */
    public static Map<String, CompatibilityResult> check(SchemaRegistryClient client, Map<String, Schema> subjects) {
        Map<String, CompatibilityResult> verdicts = new TreeMap<>();
        subjects.forEach((subject, schema) -> verdicts.put(subject, client.testCompatibility(subject, schema)));
        return verdicts;
    }

    /** The subjects under which the local schema is not registered (for {@code auto.register.schemas=false}). */
    static List<String> unregistered(SchemaRegistryClient client, Map<String, Schema> subjects) {
        List<String> missing = new ArrayList<>();
        subjects.forEach((subject, schema) -> {
            try {
                client.getId(subject, schema);
            } catch (SchemaRegistryException e) {
                if (e.errorCode() != SchemaRegistryException.SUBJECT_NOT_FOUND
                        && e.errorCode() != SchemaRegistryException.SCHEMA_NOT_FOUND) {
                    throw e;
                }
                missing.add(subject);
            }
        });
        return missing;
    }
}
