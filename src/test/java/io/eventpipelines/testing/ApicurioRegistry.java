package io.eventpipelines.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Schema Registry for the integration tests: Apicurio Registry 3.x (unpacked from Maven Central by the
 * build into {@code target/apicurio}) in a child JVM on a Java 21+ runtime, bound to 127.0.0.1 on free ports,
 * in-memory storage, with compatibility BACKWARD set explicitly (Apicurio's default is NONE, Confluent's
 * BACKWARD). The app talks to it only through the Confluent-compatible API, {@link #url()}.
 */
public final class ApicurioRegistry implements AutoCloseable {
    private final Process process;
    private final String scheme;
    private final int httpPort;
    private final Path runDir;
    private final Thread shutdownHook;

    public ApicurioRegistry() throws Exception {
        this("http", null, Map.of());
    }

    /**
     * Over HTTPS only ({@code keystore} holds its certificate; plain HTTP refused) with HTTP basic auth for
     * {@code users} (name to password), through Quarkus' own TLS and embedded users, which Apicurio 3.3's
     * {@code basic} mechanism authenticates against: no OIDC server, and the registry stays the real one.
     */
    public static ApicurioRegistry secured(TestCertificates.Store keystore, Map<String, String> users)
            throws Exception {
        return new ApicurioRegistry("https", keystore, users);
    }

    private ApicurioRegistry(String scheme, TestCertificates.Store keystore, Map<String, String> users)
            throws Exception {
        this.scheme = scheme;
        Path appDir =
                Path.of(System.getProperty("apicurio.dir", "target/apicurio")).toAbsolutePath();
        if (!Files.isRegularFile(appDir.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException(appDir + "/quarkus-run.jar is missing: run the tests with mvn verify, "
                    + "which unpacks Apicurio Registry there");
        }
        runDir = Files.createDirectories(
                Path.of("target", "apicurio-run-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                        .toAbsolutePath());
        Files.createDirectories(runDir.resolve("tmp"));
        httpPort = freePort();
        int managementPort = freePort();
        List<String> command = new java.util.ArrayList<>(List.of(
                findJava21(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + runDir.resolve("tmp"),
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + httpPort,
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + managementPort,
                "-Dapicurio.rules.global.compatibility=BACKWARD"));
        if (keystore != null) {
            command.addAll(List.of(
                    "-Dquarkus.http.ssl-port=" + httpPort,
                    "-Dquarkus.http.port=" + freePort(),
                    "-Dquarkus.http.insecure-requests=disabled",
                    "-Dquarkus.http.ssl.certificate.key-store-file=" + keystore.path(),
                    "-Dquarkus.http.ssl.certificate.key-store-file-type=" + keystore.type(),
                    "-Dquarkus.http.ssl.certificate.key-store-password=" + keystore.password()));
        }
        if (!users.isEmpty()) {
            // Quarkus warns that quarkus.http.auth.basic is fixed at build time; Apicurio reads it at run time.
            command.addAll(
                    List.of("-Dquarkus.http.auth.basic=true", "-Dquarkus.security.users.embedded.plain-text=true"));
            users.forEach((user, password) -> {
                command.add("-Dquarkus.security.users.embedded.users." + user + "=" + password);
                command.add("-Dquarkus.security.users.embedded.roles." + user + "=sr-admin");
            });
        }
        command.addAll(List.of("-jar", "quarkus-run.jar"));
        process = new ProcessBuilder(command)
                .directory(appDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(runDir.resolve("apicurio.log").toFile())
                .start();
        shutdownHook = new Thread(process::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            awaitReady(managementPort, Duration.ofSeconds(120));
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The Confluent-compatible API, to use as {@code schema.registry.url}. */
    public String url() {
        return scheme + "://127.0.0.1:" + httpPort + "/apis/ccompat/v7";
    }

    private void awaitReady(int managementPort, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health/ready"))
                .timeout(Duration.ofSeconds(2))
                .build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio exited with " + process.exitValue() + ":\n"
                        + Files.readString(runDir.resolve("apicurio.log")));
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException starting) {
                // not listening yet
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("Apicurio not ready after " + timeout);
    }

    /** {@code -Dapicurio.java}, else {@code $APICURIO_JAVA}, else the newest JDK 21+ under /usr/lib/jvm. */
    static String findJava21() {
        String configured =
                Optional.ofNullable(System.getProperty("apicurio.java")).orElse(System.getenv("APICURIO_JAVA"));
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        if (Runtime.version().feature() >= 21) {
            return Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            return jdks.filter(jdk -> Files.isExecutable(jdk.resolve("bin/java")))
                    .filter(jdk -> featureVersion(jdk) >= 21)
                    .max(Comparator.comparingInt(ApicurioRegistry::featureVersion))
                    .map(jdk -> jdk.resolve("bin/java").toString())
                    .orElseThrow(
                            () -> new IllegalStateException(
                                    "Apicurio Registry 3 needs Java 21+, and none was found "
                                            + "under /usr/lib/jvm: set -Dapicurio.java or APICURIO_JAVA to a Java 21+ executable"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JDK's major version from its {@code release} file, 0 when unknown. */
    private static int featureVersion(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(version.split("[.+-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not a JDK we can read
        }
        return 0;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        ShutdownHooks.remove(shutdownHook);
        TestFiles.deleteRecursively(runDir);
    }
}
