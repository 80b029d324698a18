package io.eventpipelines.testing;

import java.util.Map;

/** Reads samples out of a Prometheus text exposition, as a scraper would. */
public final class PrometheusText {
    private PrometheusText() {}

    /**
     * The sum of every sample of {@code metric} carrying all of {@code labels} (other labels may differ), or -1
     * when there is no such sample. Every line is parsed, so a malformed line fails the caller.
     */
    public static double sum(String scrape, String metric, Map<String, String> labels) {
        double sum = 0;
        boolean found = false;
        for (String line :
                scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList()) {
            double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            int brace = line.indexOf('{');
            String name = brace < 0 ? line.substring(0, line.indexOf(' ')) : line.substring(0, brace);
            if (!name.equals(metric)) {
                continue;
            }
            String labelText = brace < 0 ? "" : line.substring(brace, line.lastIndexOf('}') + 1);
            if (labels.entrySet().stream()
                    .allMatch(l -> labelText.contains(l.getKey() + "=\"" + l.getValue() + "\""))) {
                sum += value;
                found = true;
            }
        }
        return found ? sum : -1;
    }
}
