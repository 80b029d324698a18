package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipelines.avro.AvroSerdes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The JSON structure and the Mermaid flowchart say what {@code describe()} says, in forms a machine can read. */
class TopologyFormatTest {
    private static final AppConfig CONFIG =
            AppConfig.of(Map.of("bootstrap.servers", "localhost:9092", "schema.registry.url", "mock://format-test"));
    private static final ObjectMapper JSON = new ObjectMapper();

    // The flowchart grammar the renderer may use, line by line; labels are quoted and hold no quote.
    private static final Pattern HEADER = Pattern.compile("flowchart TB");
    private static final Pattern SUBGRAPH = Pattern.compile(" {2}subgraph (sub\\d+)\\[\"[^\"]*\"]");
    private static final Pattern END = Pattern.compile(" {2}end");
    private static final Pattern NODE =
            Pattern.compile(" {2,4}([nts]\\d+)(\\[\"[^\"]+\"]|\\(\\[\"[^\"]+\"]\\)|\\[\\(\"[^\"]+\"\\)])");
    private static final Pattern EDGE = Pattern.compile(" {2}([nts]\\d+) (-->|-\\.-) ([nts]\\d+)");

    private static TopologyDescription describe(Pipeline pipeline) {
        return pipeline.buildTopology(CONFIG, new AvroSerdes(CONFIG.serdeConfig()))
                .describe();
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void theJsonStructureHoldsEveryNodeTopicStoreAndEdge(Pipeline pipeline) throws Exception {
        TopologyDescription description = describe(pipeline);
        JsonNode json = JSON.readTree(TopologyFormat.JSON.render("app", Map.of(pipeline.id(), description)))
                .get(pipeline.id());
        assertEquals("app-" + pipeline.id(), json.get("applicationId").asText());

        Set<String> described = new TreeSet<>();
        Set<String> edges = new TreeSet<>();
        description
                .subtopologies()
                .forEach(subtopology -> subtopology.nodes().forEach(node -> {
                    described.add(node.name());
                    node.successors().forEach(next -> edges.add(node.name() + " -> " + next.name()));
                }));
        Set<String> nodes = new TreeSet<>();
        Set<String> jsonEdges = new TreeSet<>();
        Set<String> topics = new TreeSet<>();
        Set<String> stores = new TreeSet<>();
        json.get("subtopologies")
                .forEach(subtopology -> subtopology.get("nodes").forEach(node -> {
                    nodes.add(node.get("name").asText());
                    node.get("successors")
                            .forEach(next -> jsonEdges.add(node.get("name").asText() + " -> " + next.asText()));
                    node.get("topics").forEach(topic -> topics.add(topic.asText()));
                    node.get("stores").forEach(store -> stores.add(store.asText()));
                }));
        assertEquals(described, nodes);
        assertEquals(edges, jsonEdges);
        assertTrue(topics.containsAll(pipeline.inputs().keySet()), topics.toString());
        assertTrue(topics.containsAll(pipeline.outputs().keySet()), topics.toString());
        assertEquals(
                description.subtopologies().size(), json.get("subtopologies").size());
        if (pipeline == Pipeline.INVENTORY) {
            assertTrue(stores.contains("inventory-stock"), stores.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void theMermaidFlowchartFollowsTheGrammarAndDrawsEveryNodeAndEdge(Pipeline pipeline) {
        TopologyDescription description = describe(pipeline);
        List<String> lines = TopologyFormat.mermaid(description).lines().toList();
        assertTrue(HEADER.matcher(lines.get(0)).matches(), lines.get(0));
        Map<String, String> declared = new LinkedHashMap<>();
        List<String[]> edges = new ArrayList<>();
        int open = 0;
        for (String line : lines.subList(1, lines.size())) {
            Matcher matcher;
            if ((matcher = SUBGRAPH.matcher(line)).matches()) {
                open++;
                assertEquals(1, open, "subgraphs are not nested");
            } else if (END.matcher(line).matches()) {
                open--;
            } else if ((matcher = NODE.matcher(line)).matches()) {
                assertEquals(null, declared.put(matcher.group(1), line), "declared once: " + line);
            } else if ((matcher = EDGE.matcher(line)).matches()) {
                edges.add(new String[] {matcher.group(1), matcher.group(3)});
            } else {
                throw new AssertionError("not in the flowchart grammar: '" + line + "'");
            }
        }
        assertEquals(0, open, "every subgraph ends");
        Set<String> undeclared = new HashSet<>();
        edges.forEach(edge -> {
            for (String id : edge) {
                if (!declared.containsKey(id)) {
                    undeclared.add(id);
                }
            }
        });
        assertEquals(Set.of(), undeclared, "every edge joins declared nodes");

        long nodes = description.subtopologies().stream()
                .mapToLong(subtopology -> subtopology.nodes().size())
                .sum();
        long successors = description.subtopologies().stream()
                .flatMap(subtopology -> subtopology.nodes().stream())
                .mapToLong(node -> node.successors().size())
                .sum();
        assertEquals(
                nodes,
                declared.keySet().stream().filter(id -> id.startsWith("n")).count(),
                "every node drawn");
        assertEquals(
                successors,
                edges.stream()
                        .filter(edge -> edge[0].startsWith("n") && edge[1].startsWith("n"))
                        .count(),
                "every edge drawn");
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void aFormatIsNamedInAnyCaseAndAnUnknownOneIsRefused(Pipeline pipeline) {
        assertEquals(TopologyFormat.MERMAID, TopologyFormat.parse("Mermaid"));
        assertThrows(IllegalArgumentException.class, () -> TopologyFormat.parse("xml"));
        String markdown = TopologyFormat.MERMAID.render("app", Map.of(pipeline.id(), describe(pipeline)));
        assertTrue(
                markdown.startsWith("## Pipeline " + pipeline.id() + " (application.id app-" + pipeline.id()
                        + ")\n\n```mermaid\nflowchart TB\n"),
                markdown);
        assertTrue(markdown.endsWith("```\n\n"), markdown);
    }
}
