package io.eventpipelines.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * Writes {@code <dir>/<name>.properties}: this stack's {@code bootstrap.servers} and {@code schema.registry.url},
     * then {@code lines} ({@code key=value} each), as an operator's properties file for the app.
     */
    public Path properties(String name, String... lines) throws IOException {
        List<String> all = new ArrayList<>(
                List.of("bootstrap.servers=" + kafka.bootstrapServers(), "schema.registry.url=" + registry.url()));
        all.addAll(List.of(lines));
        all.add("");
        return Files.writeString(dir.resolve(name + ".properties"), String.join("\n", all));
    }
}
