package io.eventpipelines.testing;

import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

public final class TestFiles {
    private TestFiles() {
    }

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
