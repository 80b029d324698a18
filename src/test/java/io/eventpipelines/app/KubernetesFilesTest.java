package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.eventpipelines.app.cli.Main;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docker/kubernetes/ cannot be applied here (no cluster), so it is checked against the app, as DockerFilesTest
 * checks compose: the properties and variables are keys the app reads and its validation accepts, and ports, probe
 * paths, mount paths, names and selectors agree with each other and with the app.
 */
class KubernetesFilesTest {
    private static final Path DIR = Path.of("docker", "kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Map<String, JsonNode> byKind() throws IOException {
        Map<String, JsonNode> kinds = new TreeMap<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file : files.sorted().toList()) {
                JsonNode object = YAML.readTree(file.toFile());
                assertTrue(object.hasNonNull("apiVersion") && object.hasNonNull("kind"), file.toString());
                assertTrue(object.path("metadata").hasNonNull("name"), file + ": metadata.name");
                kinds.put(object.get("kind").asText(), object);
            }
        }
        return kinds;
    }

    @Test
    void theManifestsAgreeWithTheAppAndWithEachOther() throws IOException {
        Map<String, JsonNode> kinds = byKind();
        assertEquals(
                "[ConfigMap, PodDisruptionBudget, Service, ServiceMonitor, StatefulSet]",
                kinds.keySet().toString());
        JsonNode statefulSet = kinds.get("StatefulSet");
        JsonNode service = kinds.get("Service");
        JsonNode pod = statefulSet.get("spec").get("template");
        JsonNode app = pod.get("spec").get("containers").get(0);

        // The properties file, as mounted, plus the pod's variables, is a configuration the app accepts.
        String configMapName = pod.get("spec")
                .get("volumes")
                .get(0)
                .get("configMap")
                .get("name")
                .asText();
        assertEquals(kinds.get("ConfigMap").get("metadata").get("name").asText(), configMapName);
        Properties file = new Properties();
        file.load(new StringReader(
                kinds.get("ConfigMap").get("data").get("application.properties").asText()));
        Map<String, String> values = new HashMap<>();
        file.stringPropertyNames().forEach(key -> values.put(key, file.getProperty(key)));
        Map<String, String> env = new HashMap<>();
        app.get("env").forEach(variable -> {
            if (variable.has("value")) {
                env.put(
                        variable.get("name").asText(),
                        variable.get("value").asText().replace("$(POD_NAME)", "app-0"));
            }
        });
        Map<String, String> fromEnv = AppConfig.fromEnvironment(env);
        values.forEach((key, value) -> assertTrue(ConfigKeys.isKnown(key), key + " is not a key the app reads"));
        fromEnv.forEach((key, value) -> assertTrue(ConfigKeys.isKnown(key), key + " is not a key the app reads"));
        values.putAll(fromEnv);
        AppConfig config = AppConfig.of(values);
        assertEquals("app-0", config.instanceId().orElseThrow(), "the pod's name is its instance.id");
        assertEquals("app-0." + service.get("metadata").get("name").asText() + ":8080", config.applicationServer());

        // One port, named http, everywhere.
        assertEquals(
                config.httpPort(), app.get("ports").get(0).get("containerPort").asInt());
        assertEquals("http", app.get("ports").get(0).get("name").asText());
        assertEquals(
                "/health/live",
                app.get("livenessProbe").get("httpGet").get("path").asText());
        assertEquals(
                "/health/ready",
                app.get("readinessProbe").get("httpGet").get("path").asText());
        assertEquals("http", app.get("livenessProbe").get("httpGet").get("port").asText());
        assertEquals(
                "http", app.get("readinessProbe").get("httpGet").get("port").asText());
        assertEquals(
                config.httpPort(),
                service.get("spec").get("ports").get(0).get("port").asInt());
        JsonNode endpoint =
                kinds.get("ServiceMonitor").get("spec").get("endpoints").get(0);
        assertEquals("/metrics", endpoint.get("path").asText());
        assertEquals("http", endpoint.get("port").asText());

        // Paths: the command's properties file is the mounted one; state.dir is on the persistent volume.
        String propertiesPath = app.get("args").get(1).asText();
        Main.commandLine().parseArgs(app.get("args").get(0).asText(), propertiesPath);
        Map<String, String> mounts = new HashMap<>();
        app.get("volumeMounts")
                .forEach(m ->
                        mounts.put(m.get("name").asText(), m.get("mountPath").asText()));
        assertEquals(mounts.get("config") + "/application.properties", propertiesPath);
        String claim = statefulSet
                .get("spec")
                .get("volumeClaimTemplates")
                .get(0)
                .get("metadata")
                .get("name")
                .asText();
        assertEquals(values.get("state.dir"), mounts.get(claim), "state.dir on the persistent volume");

        // Names and selectors: the headless Service is the StatefulSet's, and everything selects its pods.
        assertEquals("None", service.get("spec").get("clusterIP").asText());
        assertEquals(
                service.get("metadata").get("name").asText(),
                statefulSet.get("spec").get("serviceName").asText());
        JsonNode podLabels = pod.get("metadata").get("labels");
        assertEquals(podLabels, statefulSet.get("spec").get("selector").get("matchLabels"));
        assertEquals(podLabels, service.get("spec").get("selector"));
        assertEquals(
                podLabels,
                kinds.get("PodDisruptionBudget").get("spec").get("selector").get("matchLabels"));
        assertEquals(
                service.get("metadata").get("labels"),
                kinds.get("ServiceMonitor").get("spec").get("selector").get("matchLabels"));

        // Room to close every pipeline, and the memory budget README recommends.
        assertTrue(pod.get("spec").get("terminationGracePeriodSeconds").asLong() * 1000
                > config.shutdownTimeout().toMillis());
        assertEquals("384Mi", app.get("resources").get("limits").get("memory").asText());
        assertEquals(64L << 20, config.rocksDbMemoryBytes());
    }
}
