package io.eventpipelines.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipelines.app.Pipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void anInvalidConfigurationExitsWithTwoAndOneLineNamingTheKey() throws IOException {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "schema.registry.url=mock://x\ntemperature.threshold.celsius=hot\n");

        assertEquals(2, run(file.toString()));
        assertEquals(
                "event-pipelines: invalid configuration: bootstrap.servers: is required: a comma-separated list of host:port",
                err.toString().strip());
    }

    @Test
    void theExitTwoLineHidesARegistryPasswordHoldingASlash() throws IOException {
        Path file = dir.resolve("bad-url.properties");
        Files.writeString(
                file, "bootstrap.servers=localhost:9092\nschema.registry.url=https://app:ab/cd@sr:8081,mock://x\n");

        assertEquals(2, run(file.toString()));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("https://[hidden]@sr:8081"), err.toString());
        assertTrue(!err.toString().contains("ab/cd") && !err.toString().contains("app:"), err.toString());
    }

    @Test
    void aMissingFileExitsWithTwo() {
        assertEquals(2, run("run", dir.resolve("missing.properties").toString()));
        assertTrue(err.toString().strip().endsWith("missing.properties: does not exist"), err.toString());
        assertEquals(1, err.toString().strip().lines().count());
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("run"), out.toString());
        assertTrue(out.toString().contains("describe"), out.toString());
    }

    @Test
    void describePrintsEveryPipelineWithoutABroker() {
        assertEquals(0, run("describe"));
        String text = out.toString();
        for (Pipeline pipeline : Pipeline.values()) {
            assertTrue(
                    text.contains(
                            "Pipeline " + pipeline.id() + " (application.id event-pipelines-" + pipeline.id() + ")"),
                    text);
        }
        assertTrue(text.contains("temperature-readings-source"), text);
        assertTrue(text.contains("inventory-commands-by-product-repartition"), text);
    }

    @Test
    void describeWritesJsonOrMermaidOnRequestAndRefusesAnUnknownFormat() throws Exception {
        assertEquals(0, run("describe", "--format", "json"));
        JsonNode json = new ObjectMapper().readTree(out.toString());
        for (Pipeline pipeline : Pipeline.values()) {
            assertTrue(json.get(pipeline.id()).get("subtopologies").size() > 0, pipeline.id());
        }
        out.getBuffer().setLength(0);
        assertEquals(0, run("describe", "--format", "mermaid"));
        assertTrue(out.toString().startsWith("## Pipeline temperature"), out.toString());
        assertEquals(Pipeline.values().length, out.toString().split("```mermaid\n", -1).length - 1);

        assertEquals(2, run("describe", "--format", "xml"));
        assertTrue(err.toString().contains("--format: format must be text, json or mermaid"), err.toString());
    }

    @Test
    void describeHonoursTheSelectedPipelines() throws IOException {
        Path file = dir.resolve("logs.properties");
        Files.writeString(
                file, "bootstrap.servers=localhost:9092\nschema.registry.url=mock://describe\npipelines=logs\n");
        assertEquals(0, run("describe", file.toString()));
        assertTrue(out.toString().contains("Pipeline logs"));
        assertTrue(!out.toString().contains("Pipeline temperature"));
    }

    /** Settings for a cluster nobody listens at, with short client timeouts. */
    private Path unreachableCluster() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Path file = dir.resolve("down.properties");
        Files.writeString(
                file,
                "bootstrap.servers=127.0.0.1:" + closedPort + "\nschema.registry.url=mock://down\n"
                        + "request.timeout.ms=1000\ndefault.api.timeout.ms=2000\n");
        return file;
    }

    @Test
    void anUnreachableClusterIsOneLineAndExitThreeNotAHang() throws IOException {
        Path file = unreachableCluster();
        assertEquals(3, run("run", file.toString()));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("event-pipelines: cannot start: cannot list topics"), err.toString());
    }

    @Test
    void aClientSettingKafkaRefusesIsAConfigurationError() throws IOException {
        Path file = dir.resolve("timeouts.properties");
        Files.writeString(
                file,
                "bootstrap.servers=127.0.0.1:9\nschema.registry.url=mock://x\n"
                        + "request.timeout.ms=3000\ndefault.api.timeout.ms=1000\n");
        assertEquals(2, run("run", file.toString()));
        assertTrue(err.toString().contains("default.api.timeout.ms"), err.toString());
    }

    @Test
    void anUnknownCommandIsAOneLineUsageError() {
        for (String word : new String[] {"restart", "nosuch"}) {
            out.getBuffer().setLength(0);
            err.getBuffer().setLength(0);
            assertEquals(2, run(word, "--help"), word);
            assertEquals("", out.toString(), "no help printed for " + word);
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
            assertTrue(
                    err.toString().startsWith("event-pipelines: '" + word + "' is neither a command"), err.toString());
        }
    }

    @Test
    void topicsCreateAgainstAnUnreachableClusterIsOneLineAndExitThree() throws IOException {
        Path file = unreachableCluster();
        assertEquals(3, run("topics", "create", file.toString()), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("event-pipelines: cannot start: "), err.toString());
    }
}
