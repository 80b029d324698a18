package io.eventpipelines.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventpipelines.avro.AvroSerdes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Every app counter is exported with a HELP text, so that a dashboard's author knows what it counts. */
class AppCountersTest {
    @Test
    void everyAppCounterHasAHelpText() {
        AppConfig config =
                AppConfig.of(Map.of("bootstrap.servers", "localhost:9092", "schema.registry.url", "mock://counters"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AvroSerdes serdes = new AvroSerdes(config.serdeConfig());
        for (Pipeline pipeline : Pipeline.values()) {
            pipeline.buildTopology(config, serdes, registry);
        }
        DeadLetterCounter.from(Map.of(DeadLetterCounter.REGISTRY_CONFIG, registry), "processing");

        Map<String, String> help = new TreeMap<>();
        registry.scrape()
                .lines()
                .filter(line -> line.startsWith("# HELP eventpipelines_"))
                .forEach(line -> {
                    String[] parts = line.split(" ", 4);
                    help.put(parts[2], parts.length > 3 ? parts[3].strip() : "");
                });
        assertEquals(
                List.of(
                        "eventpipelines_dead_letter_records_total",
                        "eventpipelines_inventory_updates_total",
                        "eventpipelines_logs_routed_total",
                        "eventpipelines_temperature_alerts_total"),
                List.copyOf(help.keySet()));
        help.forEach((metric, text) -> assertTrue(text.length() > 20, metric + " HELP: '" + text + "'"));
    }
}
