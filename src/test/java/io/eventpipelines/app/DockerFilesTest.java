package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.eventpipelines.app.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/ cannot be run here (no Docker engine), so it is checked against the app instead: the compose file
 * validates with whichever compose client exists, and every variable, port, path and command it uses is one
 * the app actually reads.
 */
class DockerFilesTest {
    private static final Path COMPOSE = Path.of("docker", "compose.yaml");
    private static final Path DOCKERFILE = Path.of("docker", "Dockerfile");
    private static final Path PROMETHEUS = Path.of("docker", "prometheus.yml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** SnakeYAML, not Jackson: the compose file shares settings through YAML merge keys, which only it resolves. */
    private static JsonNode compose() throws IOException {
        try (var reader = Files.newBufferedReader(COMPOSE)) {
            Object tree = new Yaml().load(reader);
            return JSON.valueToTree(tree);
        }
    }

    @Test
    void composeFileValidatesWithTheDockerClient() throws Exception {
        List<String> client = composeClient();
        assumeTrue(client != null, "no compose client (docker compose or docker-compose) on this machine");
        List<String> command = new ArrayList<>(client);
        command.addAll(List.of("-f", COMPOSE.toString(), "config", "-q"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
    }

    private static List<String> composeClient() throws InterruptedException {
        for (List<String> candidate : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
            List<String> version = new ArrayList<>(candidate);
            version.add("version");
            try {
                Process process =
                        new ProcessBuilder(version).redirectErrorStream(true).start();
                process.getInputStream().readAllBytes();
                if (process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException notInstalled) {
                // try the next one
            }
        }
        return null;
    }

    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new HashMap<>();
        service.path("environment")
                .fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    @Test
    void everyVariablePortPathAndCommandIsOneTheAppReads() throws IOException {
        JsonNode services = compose().get("services");
        String dockerfile = Files.readString(DOCKERFILE);
        List<String> appServices = new ArrayList<>();
        services.fields().forEachRemaining(s -> {
            if (s.getValue().path("build").path("dockerfile").asText().equals("docker/Dockerfile")) {
                appServices.add(s.getKey());
            }
        });
        assertEquals(List.of("init", "app"), appServices);

        Map<String, String> dockerfileEnv = new HashMap<>();
        Matcher envLine = Pattern.compile("(EVENT_PIPELINES_[A-Z_]+)=(\\S+)").matcher(dockerfile);
        while (envLine.find()) {
            dockerfileEnv.put(envLine.group(1), envLine.group(2));
        }
        for (String name : appServices) {
            Map<String, String> env = new HashMap<>(dockerfileEnv);
            env.putAll(environment(services.get(name)));
            Map<String, String> keys = AppConfig.fromEnvironment(env);
            for (String key : keys.keySet()) {
                assertTrue(ConfigKeys.isKnown(key), name + ": " + key + " is not a key the app reads");
            }
            // The values must also pass the app's own validation.
            AppConfig config = AppConfig.of(keys);
            assertEquals(8080, config.httpPort(), name);
        }

        JsonNode app = services.get("app");
        assertTrue(app.path("ports").isMissingNode(), "app replicas publish no host ports, so --scale works");
        assertEquals("8080", app.get("expose").get(0).asText());
        assertTrue(app.get("deploy").get("replicas").asInt() >= 2);
        assertTrue(dockerfile.contains("EXPOSE 8080"));
        assertTrue(
                dockerfile.contains("ENTRYPOINT [\"java\", \"-XX:+ExitOnOutOfMemoryError\", \"-jar\""),
                "the JVM exits on OutOfMemoryError whatever JAVA_TOOL_OPTIONS a deployment sets");
        assertTrue(
                dockerfile.contains("/dev/tcp/127.0.0.1/8080") && dockerfile.contains("/health/live"),
                "the health check asks the app's liveness endpoint on its port");
        JsonNode scrape =
                YAML.readTree(PROMETHEUS.toFile()).get("scrape_configs").get(0);
        assertEquals("/metrics", scrape.get("metrics_path").asText());
        assertEquals(8080, scrape.get("dns_sd_configs").get(0).get("port").asInt());
        assertEquals(
                "app", scrape.get("dns_sd_configs").get(0).get("names").get(0).asText());

        // The properties file the commands name is the one the image ships, and the commands exist.
        assertTrue(
                dockerfile.contains("COPY config/application.properties /etc/event-pipelines/application.properties"));
        assertEquals(
                "[\"run\",\"/etc/event-pipelines/application.properties\"]",
                app.get("command").toString());
        String init = services.get("init").get("command").get(0).asText();
        assertTrue(init.contains("topics create /etc/event-pipelines/application.properties"), init);
        assertTrue(init.contains("schemas register /etc/event-pipelines/application.properties"), init);
        var cli = Main.commandLine();
        assertNotNull(cli.getSubcommands().get("run"));
        assertNotNull(cli.getSubcommands().get("topics").getSubcommands().get("create"));
        assertNotNull(cli.getSubcommands().get("schemas").getSubcommands().get("register"));
        assertFalse(
                Files.readString(Path.of("config", "application.properties")).contains("http.port"),
                "the image sets the port through its environment, not by editing the file");
    }
}
