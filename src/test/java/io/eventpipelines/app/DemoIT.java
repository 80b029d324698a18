package io.eventpipelines.app;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quick start: {@code demo} needs nothing installed and shows every pipeline at work. */
class DemoIT {
    @Test
    void demoRunsEveryPipelineOnAnEmbeddedBrokerAndSummarizes() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("demo", "--seconds", "25"));

        String text = out.toString();
        List<String> blocks = List.of(text.split("---- "));
        String last = blocks.get(blocks.size() - 1);
        assertTrue(last.contains("temperature=RUNNING logs=RUNNING inventory=RUNNING notifications=RUNNING"), text);
        long readings = number(last, "temperature\\s+(\\d+) readings");
        long alerts = number(last, "-> +(\\d+) alerts");
        assertTrue(readings > 100 && alerts > 0 && alerts < readings, last);
        assertTrue(number(last, "logs\\s+(\\d+) events") > 100, last);
        assertTrue(number(last, "info (\\d+)") > 0 && number(last, "error (\\d+)") > 0, last);
        long orders = number(last, "inventory\\s+(\\d+) orders");
        assertTrue(orders > 20 && last.contains("RESERVED=") && last.contains("RESTOCKED="), last);
        long notifications = number(last, "notifications\\s+(\\d+) sent");
        assertTrue(notifications > 0 && notifications <= orders, last);
        assertEquals(0, number(last, "dead letters\\s+(\\d+)"), last);
    }

    private static long number(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), regex + " in\n" + text);
        return Long.parseLong(matcher.group(1));
    }
}
