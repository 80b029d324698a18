package io.eventpipelines.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.kafka.common.utils.Utils;

public final class TestFiles {
    private TestFiles() {}

    public static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
