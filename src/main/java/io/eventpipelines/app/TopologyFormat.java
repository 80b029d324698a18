package io.eventpipelines.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;

/**
 * A topology as {@code describe} and {@code GET /topology} show it: Kafka's own text, a JSON structure (subtopologies,
 * nodes with their topics and stores, edges), or Mermaid flowcharts in Markdown, which GitHub and most wikis render
 * (and {@code mmdc} reads).
 */
public enum TopologyFormat {
    TEXT,
    JSON,
    MERMAID;

    private static final ObjectMapper WRITER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Each pipeline's topology in this format, keyed by pipeline id, for the application ids {@code prefix}-id. */
    public String render(String prefix, Map<String, TopologyDescription> topologies) {
        StringBuilder out = new StringBuilder();
        switch (this) {
            case TEXT ->
                topologies.forEach((id, topology) -> out.append(
                        String.format("Pipeline %s (application.id %s-%s)%n%s%n", id, prefix, id, topology)));
            case JSON -> {
                Map<String, Object> pipelines = new LinkedHashMap<>();
                topologies.forEach((id, topology) -> {
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("applicationId", prefix + "-" + id);
                    fields.putAll(structure(topology));
                    pipelines.put(id, fields);
                });
                try {
                    out.append(WRITER.writeValueAsString(pipelines)).append('\n');
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("cannot write a topology as JSON", e);
                }
            }
            case MERMAID ->
                topologies.forEach((id, topology) -> out.append("## Pipeline ")
                        .append(id)
                        .append(" (application.id ")
                        .append(prefix)
                        .append('-')
                        .append(id)
                        .append(")\n\n```mermaid\n")
                        .append(mermaid(topology))
                        .append("```\n\n"));
        }
        return out.toString();
    }

    /** {@code text}, {@code json} or {@code mermaid}, in any case. */
    public static TopologyFormat parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("format must be text, json or mermaid, not '" + name + "'");
        }
    }

    /**
     * The topology's structure: {@code subtopologies} (each with its {@code id} and {@code nodes}), {@code
     * globalStores}, and per node its {@code name}, {@code type} (source, processor, sink), {@code topics} (read or
     * written), {@code stores} and {@code successors}.
     */
    public static Map<String, Object> structure(TopologyDescription description) {
        List<Map<String, Object>> subtopologies = new ArrayList<>();
        for (TopologyDescription.Subtopology subtopology : sorted(description)) {
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (TopologyDescription.Node node : sortedNodes(subtopology)) {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("name", node.name());
                fields.put("type", type(node));
                fields.put("topics", topics(node));
                fields.put("stores", stores(node));
                fields.put("successors", names(node.successors()));
                nodes.add(fields);
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("id", subtopology.id());
            fields.put("nodes", nodes);
            subtopologies.add(fields);
        }
        List<Map<String, Object>> globalStores = new ArrayList<>();
        for (TopologyDescription.GlobalStore store : description.globalStores()) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("id", store.id());
            fields.put("source", store.source().name());
            fields.put("topics", List.copyOf(new TreeSet<>(store.source().topicSet())));
            fields.put("processor", store.processor().name());
            fields.put("stores", List.copyOf(new TreeSet<>(store.processor().stores())));
            globalStores.add(fields);
        }
        Map<String, Object> structure = new LinkedHashMap<>();
        structure.put("subtopologies", subtopologies);
        structure.put("globalStores", globalStores);
        return structure;
    }

    /**
     * A Mermaid flowchart: one subgraph per subtopology holding its nodes, topics as stadium-shaped nodes outside
     * them and stores as cylinders, arrows for the record flow. Ids are generated ({@code n1}, {@code t1},
     * {@code s1}) and every name is quoted, so that no name can break the diagram's syntax.
     */
    public static String mermaid(TopologyDescription description) {
        Ids ids = new Ids();
        StringBuilder out = new StringBuilder("flowchart TB\n");
        List<String> edges = new ArrayList<>();
        Set<String> topics = new LinkedHashSet<>();
        Set<String> stores = new LinkedHashSet<>();
        for (TopologyDescription.Subtopology subtopology : sorted(description)) {
            out.append("  subgraph sub")
                    .append(subtopology.id())
                    .append("[\"Sub-topology ")
                    .append(subtopology.id());
            out.append("\"]\n");
            for (TopologyDescription.Node node : sortedNodes(subtopology)) {
                String id = ids.of("n", node.name());
                out.append("    ")
                        .append(id)
                        .append("[\"")
                        .append(label(node.name()))
                        .append("\"]\n");
                for (TopologyDescription.Node next : sortedSuccessors(node)) {
                    edges.add(id + " --> " + ids.of("n", next.name()));
                }
                List<String> nodeTopics = topics(node);
                topics.addAll(nodeTopics);
                for (String topic : nodeTopics) {
                    edges.add(
                            node instanceof TopologyDescription.Sink
                                    ? id + " --> " + ids.of("t", topic)
                                    : ids.of("t", topic) + " --> " + id);
                }
                for (String store : stores(node)) {
                    stores.add(store);
                    edges.add(id + " -.- " + ids.of("s", store));
                }
            }
            out.append("  end\n");
        }
        topics.forEach(topic -> node(out, ids.of("t", topic), "([\"", topic, "\"])"));
        stores.forEach(store -> node(out, ids.of("s", store), "[(\"", store, "\")]"));
        edges.forEach(edge -> out.append("  ").append(edge).append('\n'));
        return out.toString();
    }

    /** A node outside the subgraphs: its id, then its label inside {@code open} and {@code close} (its shape). */
    private static void node(StringBuilder out, String id, String open, String name, String close) {
        out.append("  ")
                .append(id)
                .append(open)
                .append(label(name))
                .append(close)
                .append('\n');
    }

    /** Mermaid labels are quoted: a quote inside one is written as its entity. */
    private static String label(String name) {
        return name.replace("\"", "#quot;");
    }

    private static String type(TopologyDescription.Node node) {
        if (node instanceof TopologyDescription.Source) {
            return "source";
        }
        return node instanceof TopologyDescription.Sink ? "sink" : "processor";
    }

    private static List<String> topics(TopologyDescription.Node node) {
        if (node instanceof TopologyDescription.Source source) {
            return List.copyOf(new TreeSet<>(source.topicSet()));
        }
        if (node instanceof TopologyDescription.Sink sink && sink.topic() != null) {
            return List.of(sink.topic());
        }
        return List.of();
    }

    private static List<String> stores(TopologyDescription.Node node) {
        return node instanceof TopologyDescription.Processor processor
                ? List.copyOf(new TreeSet<>(processor.stores()))
                : List.of();
    }

    private static List<String> names(Set<TopologyDescription.Node> nodes) {
        return nodes.stream().map(TopologyDescription.Node::name).sorted().toList();
    }

    private static List<TopologyDescription.Subtopology> sorted(TopologyDescription description) {
        return description.subtopologies().stream()
                .sorted((a, b) -> Integer.compare(a.id(), b.id()))
                .toList();
    }

    private static List<TopologyDescription.Node> sortedNodes(TopologyDescription.Subtopology subtopology) {
        return subtopology.nodes().stream()
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .toList();
    }

    private static List<TopologyDescription.Node> sortedSuccessors(TopologyDescription.Node node) {
        return node.successors().stream()
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .toList();
    }

    /** Short ids for Mermaid, one per distinct name of each kind. */
    private static final class Ids {
        private final Map<String, String> ids = new LinkedHashMap<>();

        String of(String kind, String name) {
            return ids.computeIfAbsent(kind + ":" + name, key -> kind + (ids.size() + 1));
        }
    }
}
