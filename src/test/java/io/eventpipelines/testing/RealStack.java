package io.eventpipelines.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What an integration test class shares: one real KRaft broker, one real Apicurio registry and a directory under
 * {@code target/}. Register it with {@code @RegisterExtension static final RealStack STACK = ...}: it starts
 * before the class's own {@code @BeforeAll} methods and stops after its {@code @AfterAll} ones (which close what
 * uses it first), whether or not tests failed, and leaves no process or file behind.
 */
public final class RealStack implements BeforeAllCallback, AfterAllCallback {
    private final String dirPrefix;
    private EmbeddedKafka kafka;
    private ApicurioRegistry registry;
    private Path dir;

    /** @param dirPrefix the name of the class's directory under {@code target/}, before a random part */
    public RealStack(String dirPrefix) {
        this.dirPrefix = dirPrefix;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target").toAbsolutePath()), dirPrefix);
        kafka = new EmbeddedKafka();
        registry = new ApicurioRegistry();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try (AutoCloseable k = kafka;
                AutoCloseable r = registry) {
            TestFiles.deleteRecursively(dir);
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public ApicurioRegistry registry() {
        return registry;
    }

    public Path dir() {
        return dir;
    }
}
