package io.eventpipelines.streams;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * The topics one topology reads and writes, declared beside its builder so that topic creation, schema
 * registration and preflight checks follow the topology instead of restating it.
 *
 * @param inputs the topics it reads, with their value types: they must exist before it starts
 * @param outputs the topics it writes records of the data contract to, with their value types (its dead-letter topic
 *     aside)
 * @param tableTopics the inputs read as tables (latest value per key), to be created compacted
 * @param internalTopics Kafka Streams' internal topics whose values go through the registry, by their names without
 *     the {@code <application.id>-} prefix Kafka Streams gives them (see {@link #changelog} and {@link #repartition})
 */
public record PipelineTopics(
        Map<String, Class<? extends SpecificRecord>> inputs,
        Map<String, Class<? extends SpecificRecord>> outputs,
        Set<String> tableTopics,
        Map<String, Class<? extends SpecificRecord>> internalTopics) {

    public PipelineTopics {
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        tableTopics = Set.copyOf(tableTopics);
        internalTopics = Collections.unmodifiableMap(new LinkedHashMap<>(internalTopics));
        if (!inputs.keySet().containsAll(tableTopics)) {
            throw new IllegalArgumentException("table topics " + tableTopics + " must be inputs " + inputs.keySet());
        }
    }

    /** The changelog Kafka Streams keeps for {@code store}, without the application id prefix. */
    public static String changelog(String store) {
        return store + "-changelog";
    }

    /** The repartition topic Kafka Streams creates for a step named {@code name}, without the application id prefix. */
    public static String repartition(String name) {
        return name + "-repartition";
    }

    /** The internal topics under their full names, for the application {@code applicationId}. */
    public Map<String, Class<? extends SpecificRecord>> internalTopics(String applicationId) {
        Map<String, Class<? extends SpecificRecord>> named = new LinkedHashMap<>();
        internalTopics.forEach((name, type) -> named.put(applicationId + "-" + name, type));
        return named;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Declares topics in the order a reader meets them in the topology. */
    public static final class Builder {
        private final Map<String, Class<? extends SpecificRecord>> inputs = new LinkedHashMap<>();
        private final Map<String, Class<? extends SpecificRecord>> outputs = new LinkedHashMap<>();
        private final Set<String> tables = new LinkedHashSet<>();
        private final Map<String, Class<? extends SpecificRecord>> internal = new LinkedHashMap<>();

        private Builder() {}

        public Builder input(String topic, Class<? extends SpecificRecord> type) {
            inputs.put(topic, type);
            return this;
        }

        /** An input read as a table: created compacted, so that a key's last value is never deleted. */
        public Builder table(String topic, Class<? extends SpecificRecord> type) {
            tables.add(topic);
            return input(topic, type);
        }

        public Builder output(String topic, Class<? extends SpecificRecord> type) {
            outputs.put(topic, type);
            return this;
        }

        /** An internal topic with Avro values, named as {@link #changelog} or {@link #repartition} name it. */
        public Builder internal(String name, Class<? extends SpecificRecord> type) {
            internal.put(name, type);
            return this;
        }

        public PipelineTopics build() {
            return new PipelineTopics(inputs, outputs, tables, internal);
        }
    }
}
