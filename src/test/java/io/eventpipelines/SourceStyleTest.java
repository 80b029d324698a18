package io.eventpipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What the formatter and ArchUnit cannot see, because it is gone from the bytecode. */
class SourceStyleTest {
    private static final List<Path> SOURCES = List.of(Path.of("src/main/java"), Path.of("src/test/java"));
    /** A class named with its package outside an import: {@code java.util.TreeSet}, not {@code List.of}. */
    private static final Pattern QUALIFIED =
            Pattern.compile("(?<![\\w.@])(?:java|javax|org|com|io|picocli)\\.[a-z]\\w*\\.(?:[a-z]\\w*\\.)*[A-Z]\\w*");

    private static final Pattern STRING = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"");

    @Test
    void noInlineFullyQualifiedClassNames() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path root : SOURCES) {
            found.addAll(qualifiedNames(root));
        }
        assertEquals(List.of(), found, "import these classes instead");
    }

    private static List<String> qualifiedNames(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("import ")
                            || line.startsWith("package ")
                            || line.startsWith("*")
                            || line.startsWith("/*")
                            || line.startsWith("//")) {
                        continue;
                    }
                    String code = STRING.matcher(line).replaceAll("\"\"").replaceFirst("//.*", "");
                    var matcher = QUALIFIED.matcher(code);
                    while (matcher.find()) {
                        found.add(file + ":" + (i + 1) + " " + matcher.group());
                    }
                }
            }
        }
        return found;
    }
}
