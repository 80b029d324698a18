package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.avro.AvroSerdes;
import io.eventpipelines.streams.PipelineTopics;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each pipeline's declared topics are the topology's own, as {@code describe()} shows them. */
class PipelineTopicsTest {
    private static final AppConfig CONFIG =
            AppConfig.of(Map.of("bootstrap.servers", "localhost:9092", "schema.registry.url", "mock://topics-test"));
    private static final String REPARTITION = PipelineTopics.repartition("");

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void declaredTopicsAreTheTopologysOwn(Pipeline pipeline) {
        TopologyDescription description = pipeline.buildTopology(CONFIG, new AvroSerdes(CONFIG.serdeConfig()))
                .describe();
        Set<String> sources = new TreeSet<>();
        Set<String> sinks = new TreeSet<>();
        Set<String> stores = new TreeSet<>();
        for (TopologyDescription.Subtopology subtopology : description.subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    sources.addAll(source.topicSet());
                } else if (node instanceof TopologyDescription.Sink sink) {
                    sinks.add(sink.topic());
                } else if (node instanceof TopologyDescription.Processor processor) {
                    stores.addAll(processor.stores());
                }
            }
        }
        PipelineTopics topics = pipeline.topics();

        assertEquals(new TreeSet<>(topics.inputs().keySet()), external(sources), "inputs");
        assertEquals(new TreeSet<>(topics.outputs().keySet()), external(sinks), "outputs");
        Set<String> repartitions = new TreeSet<>(sources);
        repartitions.removeAll(external(sources));
        assertEquals(
                repartitions,
                topics.internalTopics().keySet().stream()
                        .filter(name -> name.endsWith(REPARTITION))
                        .collect(Collectors.toCollection(TreeSet::new)),
                "every repartition topic carries Avro values, and is declared");
        for (String name : topics.internalTopics().keySet()) {
            if (!name.endsWith(REPARTITION)) {
                String store = name.substring(
                        0, name.length() - PipelineTopics.changelog("").length());
                assertEquals(
                        name, PipelineTopics.changelog(store), "an internal topic is a repartition or a changelog");
                assertTrue(stores.contains(store), name + " is the changelog of a store in " + stores);
            }
        }
    }

    private static Set<String> external(Set<String> topics) {
        return topics.stream().filter(t -> !t.endsWith(REPARTITION)).collect(Collectors.toCollection(TreeSet::new));
    }
}
