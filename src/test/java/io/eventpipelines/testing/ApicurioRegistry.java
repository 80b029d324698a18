package io.eventpipelines.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Schema Registry for the integration tests: Apicurio Registry (unpacked from Maven Central by the build) in
 * a child JVM, bound to 127.0.0.1 on free ports, in-memory storage, with compatibility BACKWARD set explicitly
 * (Apicurio's default is NONE, Confluent's BACKWARD). The app talks to it only through the Confluent-compatible
 * API, {@link #url()}, which both versions serve at the same path.
 *
 * <p>Apicurio 3.x ({@code target/apicurio}) needs Java 21+: it runs on one found under /usr/lib/jvm, or named by
 * {@code -Dapicurio.java} / {@code APICURIO_JAVA}. Where there is none, or the one named is older, Apicurio
 * 2.6 ({@code target/apicurio-2}, Java 17) runs instead, so that Java 17 is all the tests need. 2.6 has no
 * embedded basic-auth users: {@link #supportsBasicAuth()} says whether {@link #secured} can have them.
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

    /** Which distribution runs: 3.x on Java 21+, else 2.6 on this JVM's Java. */
    private record Distribution(String java, Path dir, String jar, boolean v3) {
        static Distribution choose() {
            Optional<String> java21 = findJava21();
            if (java21.isPresent()) {
                Path dir = Path.of(System.getProperty("apicurio.dir", "target/apicurio"))
                        .toAbsolutePath();
                return new Distribution(java21.get(), dir, require(dir, "quarkus-run.jar"), true);
            }
            Path dir = Path.of(System.getProperty("apicurio.fallback.dir", "target/apicurio-2"))
                    .toAbsolutePath();
            String java = Optional.ofNullable(configuredJava())
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString());
            try (Stream<Path> files = Files.list(dir)) {
                String jar = files.map(f -> f.getFileName().toString())
                        .filter(name -> name.endsWith("-runner.jar"))
                        .findFirst()
                        .orElseThrow(() -> missing(dir, "*-runner.jar"));
                return new Distribution(java, dir, jar, false);
            } catch (IOException e) {
                throw missing(dir, "*-runner.jar");
            }
        }

        private static String require(Path dir, String jar) {
            if (!Files.isRegularFile(dir.resolve(jar))) {
                throw missing(dir, jar);
            }
            return jar;
        }

        private static IllegalStateException missing(Path dir, String jar) {
            return new IllegalStateException(dir + "/" + jar + " is missing: run the tests with mvn verify, which "
                    + "unpacks Apicurio Registry there");
        }
    }

    /** Whether the registry this machine runs can check HTTP basic auth (Apicurio 3.x: Java 21+ available). */
    public static boolean supportsBasicAuth() {
        return findJava21().isPresent();
    }

    private ApicurioRegistry(String scheme, TestCertificates.Store keystore, Map<String, String> users)
            throws Exception {
        this.scheme = scheme;
        Distribution distribution = Distribution.choose();
        if (!users.isEmpty() && !distribution.v3()) {
            throw new IllegalStateException("basic auth needs Apicurio 3.x, on Java 21+: see supportsBasicAuth()");
        }
        Path appDir = distribution.dir();
        System.err.println("Apicurio Registry " + (distribution.v3() ? "3.x" : "2.6 (the Java 17 fallback)") + " from "
                + appDir + " on " + distribution.java());
        runDir = Files.createDirectories(
                Path.of("target", "apicurio-run-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                        .toAbsolutePath());
        Files.createDirectories(runDir.resolve("tmp"));
        httpPort = freePort();
        int managementPort = freePort();
        List<String> command = new ArrayList<>(List.of(
                distribution.java(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + runDir.resolve("tmp"),
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + httpPort,
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + managementPort,
                // 2.x spells its settings registry.*, 3.x apicurio.*.
                (distribution.v3() ? "-Dapicurio" : "-Dregistry") + ".rules.global.compatibility=BACKWARD"));
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
        command.addAll(List.of("-jar", distribution.jar()));
        process = new ProcessBuilder(command)
                .directory(appDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(runDir.resolve("apicurio.log").toFile())
                .start();
        shutdownHook = new Thread(process::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            // 3.x serves health on its management port, 2.6 on its HTTP port.
            awaitReady(
                    distribution.v3()
                            ? URI.create("http://127.0.0.1:" + managementPort + "/health/ready")
                            : URI.create(scheme + "://127.0.0.1:" + httpPort + "/health/ready"),
                    Duration.ofSeconds(120));
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The Confluent-compatible API, to use as {@code schema.registry.url}. */
    public String url() {
        return scheme + "://127.0.0.1:" + httpPort + "/apis/ccompat/v7";
    }

    private void awaitReady(URI health, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready =
                HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build();
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

    private static String configuredJava() {
        String configured =
                Optional.ofNullable(System.getProperty("apicurio.java")).orElse(System.getenv("APICURIO_JAVA"));
        return configured == null || configured.isBlank() ? null : configured;
    }

    /**
     * {@code -Dapicurio.java}, else {@code $APICURIO_JAVA}, when it is Java 21+; else this JVM, when it is; else the
     * newest JDK 21+ under /usr/lib/jvm. Empty when there is none, or when the one named is older.
     */
    static Optional<String> findJava21() {
        String configured = configuredJava();
        if (configured != null) {
            // .../bin/java: its JDK is two levels up.
            Path jdk = Path.of(configured).toAbsolutePath().getParent().getParent();
            return featureVersion(jdk) >= 21 ? Optional.of(configured) : Optional.empty();
        }
        if (Runtime.version().feature() >= 21) {
            return Optional.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            return jdks.filter(jdk -> Files.isExecutable(jdk.resolve("bin/java")))
                    .filter(jdk -> featureVersion(jdk) >= 21)
                    .max(Comparator.comparingInt(ApicurioRegistry::featureVersion))
                    .map(jdk -> jdk.resolve("bin/java").toString());
        } catch (IOException e) {
            return Optional.empty();
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
