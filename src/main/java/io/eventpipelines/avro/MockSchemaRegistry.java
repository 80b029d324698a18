package io.eventpipelines.avro;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * In-memory Schema Registries, one per scope, selected by {@code schema.registry.url=mock://scope}
 * as with Confluent's serdes. All serdes and clients of a scope in the JVM see the same subjects.
 *
 * <p>Behaves like the real registry where the serdes can observe it: ids are global within the
 * scope and start at 1; a schema gets the same id under every subject; registering a schema
 * again under the same subject returns the existing id and version; versions start at 1 per
 * subject. Schemas are compared by their canonical JSON text, as the registry does. No
 * compatibility rules are enforced.
 */
public final class MockSchemaRegistry {

    private static final ConcurrentHashMap<String, ScopedRegistry> SCOPES = new ConcurrentHashMap<>();

    private MockSchemaRegistry() {}

    /** The registry of {@code scope}, created empty on first use. */
    public static SchemaRegistryClient getClientForScope(String scope) {
        Objects.requireNonNull(scope, "scope");
        return SCOPES.computeIfAbsent(scope, ScopedRegistry::new);
    }

    /**
     * Forgets {@code scope}; the next {@link #getClientForScope} starts empty. Clients obtained
     * before keep working on the dropped contents.
     */
    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }

    private static final class ScopedRegistry implements SchemaRegistryClient {
        private final String scope;
        private final Map<String, Integer> idsByCanonical = new HashMap<>();
        private final Map<Integer, Schema> schemasById = new HashMap<>();
        private final Map<String, List<RegisteredSchema>> versionsBySubject = new HashMap<>();
        private final Map<String, String> compatibilityBySubject = new HashMap<>();
        private int nextId = 1;

        ScopedRegistry(String scope) {
            this.scope = scope;
        }

        @Override
        public synchronized List<String> subjects() {
            return new ArrayList<>(new TreeSet<>(versionsBySubject.keySet()));
        }

        @Override
        public synchronized int register(String subject, Schema schema) {
            Objects.requireNonNull(subject, "subject");
            String canonical = schema.toString();
            List<RegisteredSchema> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
            for (RegisteredSchema version : versions) {
                if (version.schema().toString().equals(canonical)) {
                    return version.id();
                }
            }
            CompatibilityResult verdict = check(subject, schema, versions);
            if (!verdict.compatible()) {
                throw error(
                        "Schema Registry rejected schema for subject '" + subject + "'",
                        409,
                        SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                        "Schema being registered is incompatible with an earlier schema: " + verdict.messages(),
                        subject);
            }
            Integer id = idsByCanonical.get(canonical);
            if (id == null) {
                id = nextId++;
                idsByCanonical.put(canonical, id);
                // A private copy, so that later changes to the caller's Schema object (props are
                // mutable) cannot alter what the registry holds, just as with a remote registry.
                schemasById.put(id, new Schema.Parser().parse(canonical));
            }
            versions.add(new RegisteredSchema(subject, id, versions.size() + 1, schemasById.get(id)));
            return id;
        }

        @Override
        public synchronized int getId(String subject, Schema schema) {
            List<RegisteredSchema> versions = versionsOf(subject);
            String canonical = schema.toString();
            for (RegisteredSchema version : versions) {
                if (version.schema().toString().equals(canonical)) {
                    return version.id();
                }
            }
            throw error(
                    "Schema Registry lookup of schema under subject '" + subject + "' failed",
                    404,
                    SchemaRegistryException.SCHEMA_NOT_FOUND,
                    "Schema not found",
                    subject);
        }

        @Override
        public synchronized Schema getSchemaById(int id) {
            Schema schema = schemasById.get(id);
            if (schema == null) {
                throw error(
                        "Schema Registry lookup of schema id " + id + " failed",
                        404,
                        SchemaRegistryException.SCHEMA_NOT_FOUND,
                        "Schema " + id + " not found",
                        null);
            }
            return schema;
        }

        @Override
        public synchronized RegisteredSchema getLatestSchema(String subject) {
            List<RegisteredSchema> versions = versionsOf(subject);
            return versions.get(versions.size() - 1);
        }

        @Override
        public synchronized void updateCompatibility(String subject, String level) {
            if (!COMPATIBILITY_LEVELS.contains(level)) {
                throw error(
                        "Schema Registry rejected compatibility " + level + " for subject '" + subject + "'",
                        422,
                        42203,
                        "Invalid compatibility level",
                        subject);
            }
            compatibilityBySubject.put(subject, level);
        }

        @Override
        public synchronized CompatibilityResult testCompatibility(String subject, Schema schema) {
            return check(subject, schema, versionsBySubject.getOrDefault(subject, List.of()));
        }

        /** Confluent's semantics, with its default BACKWARD: checked against the latest version, or all for _TRANSITIVE. */
        private CompatibilityResult check(String subject, Schema candidate, List<RegisteredSchema> versions) {
            String level = compatibilityBySubject.getOrDefault(subject, "BACKWARD");
            if (versions.isEmpty() || level.equals("NONE")) {
                return new CompatibilityResult(true, List.of());
            }
            List<RegisteredSchema> against =
                    level.endsWith("_TRANSITIVE") ? versions : List.of(versions.get(versions.size() - 1));
            boolean backward = level.startsWith("BACKWARD") || level.startsWith("FULL");
            boolean forward = level.startsWith("FORWARD") || level.startsWith("FULL");
            List<String> messages = new ArrayList<>();
            for (RegisteredSchema existing : against) {
                if (backward) {
                    describe(
                            SchemaCompatibility.checkReaderWriterCompatibility(candidate, existing.schema()),
                            "reading version " + existing.version(),
                            messages);
                }
                if (forward) {
                    describe(
                            SchemaCompatibility.checkReaderWriterCompatibility(existing.schema(), candidate),
                            "read by version " + existing.version(),
                            messages);
                }
            }
            return new CompatibilityResult(messages.isEmpty(), messages);
        }

        private static void describe(
                SchemaCompatibility.SchemaPairCompatibility pair, String direction, List<String> messages) {
            if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                for (SchemaCompatibility.Incompatibility problem :
                        pair.getResult().getIncompatibilities()) {
                    messages.add(direction + ": " + problem.getType() + " at " + problem.getLocation() + ": "
                            + problem.getMessage());
                }
            }
        }

        private List<RegisteredSchema> versionsOf(String subject) {
            List<RegisteredSchema> versions = versionsBySubject.get(subject);
            if (versions == null || versions.isEmpty()) {
                throw error(
                        "Schema Registry lookup of subject '" + subject + "' failed",
                        404,
                        SchemaRegistryException.SUBJECT_NOT_FOUND,
                        "Subject '" + subject + "' not found.",
                        subject);
            }
            return versions;
        }

        /** Worded like the REST client's errors, so tests on mock:// see what a real registry would give. */
        private static SchemaRegistryException error(
                String what, int status, int code, String message, String subject) {
            return new SchemaRegistryException(
                    what + ": error " + code + ": " + message + " (HTTP " + status + ")", status, code, subject);
        }

        @Override
        public String toString() {
            return "MockSchemaRegistry{scope=" + scope + "}";
        }
    }
}
