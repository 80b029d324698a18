package io.eventpipelines.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command README and docs/ show works as written: the jar's command lines parse with the real command line
 * (subcommands, options, arity), the files they name exist, and the Maven executions they call are in the pom.
 */
class DocumentedCommandsTest {
    private static final Pattern JAR_COMMAND = Pattern.compile("event-pipelines\\.jar((?: [^#`&|]*)?)");
    private static final Pattern TABLE_COMMAND = Pattern.compile("^\\| `([a-z][^`]*)`");
    private static final Pattern OPTION = Pattern.compile("--[a-z][a-z-]*");
    private static final Pattern EXEC = Pattern.compile("exec:exec@([a-z0-9]+)");

    private static List<Path> documents() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        for (String dir : List.of("docs", "config", "docker")) {
            try (Stream<Path> listed = Files.list(Path.of(dir))) {
                listed.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
        }
        return files;
    }

    @Test
    void everyConcreteCommandLineParses() throws IOException {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path file : documents()) {
            for (String line : Files.readAllLines(file)) {
                Matcher matcher = JAR_COMMAND.matcher(line);
                while (matcher.find()) {
                    String args = matcher.group(1).strip();
                    if (args.isEmpty() || args.contains("<") || args.contains("…") || args.startsWith("-D")) {
                        continue; // a placeholder, not a command to run as it is
                    }
                    checked++;
                    String[] words = args.split("\\s+");
                    try {
                        Main.commandLine().parseArgs(words);
                    } catch (CommandLine.ParameterException e) {
                        problems.add(file + ": " + args + ": " + e.getMessage());
                    }
                    Arrays.stream(words)
                            .filter(word -> word.startsWith("config/") && !Files.exists(Path.of(word)))
                            .forEach(word -> problems.add(file + ": " + args + ": no file " + word));
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(checked >= 8, "found only " + checked + " command lines: has the pattern gone stale?");
    }

    /** README's command table: each command exists, and so does each option it lists. */
    @Test
    void theCommandTableNamesRealCommandsAndOptions() throws IOException {
        List<String> problems = new ArrayList<>();
        int rows = 0;
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            Matcher matcher = TABLE_COMMAND.matcher(line);
            if (!matcher.find()) {
                continue;
            }
            String usage = matcher.group(1);
            String[] words = usage.split(" ");
            CommandLine command = Main.commandLine();
            for (String word : words) {
                CommandLine sub = command.getSubcommands().get(word);
                if (sub == null) {
                    break;
                }
                command = sub;
            }
            if (command.getCommandName().equals("event-pipelines")) {
                continue; // not a command row (e.g. a configuration key)
            }
            rows++;
            Matcher options = OPTION.matcher(usage);
            while (options.find()) {
                if (command.getCommandSpec().findOption(options.group()) == null) {
                    problems.add(usage + ": " + command.getCommandName() + " has no option " + options.group());
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(rows >= 6, "found only " + rows + " command rows");
    }

    @Test
    void everyMavenExecutionShownIsInThePom() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        List<String> missing = new ArrayList<>();
        for (Path file : documents()) {
            Matcher matcher = EXEC.matcher(Files.readString(file));
            while (matcher.find()) {
                if (!pom.contains("<id>" + matcher.group(1) + "</id>")) {
                    missing.add(file + ": exec:exec@" + matcher.group(1));
                }
            }
        }
        assertEquals(List.of(), missing);
    }
}
