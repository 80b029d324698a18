package io.eventpipelines.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The instance's HTTP side: health for orchestrators, topology descriptions, Prometheus metrics and
 * interactive queries of the inventory. Small on purpose: the JDK's server, JSON through Jackson.
 */
final class HttpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RETRY_AFTER_SECONDS = "1";
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;

    private final HttpServer server;
    private final ExecutorService executor;
    private final PipelineRunner runner;
    private final Supplier<String> metrics;
    private final InventoryQueries inventory;

    HttpEndpoint(String host, int port, PipelineRunner runner, Supplier<String> metrics, InventoryQueries inventory)
            throws IOException {
        this.runner = runner;
        this.metrics = metrics;
        this.inventory = inventory;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread thread = new Thread(r, "http-endpoint");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    void start() {
        server.start();
        log.info("HTTP endpoint on port {}: /health/live /health/ready /topology /metrics /inventory", port());
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                json(exchange, 405, Map.of("error", "only GET is supported"));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            switch (path) {
                case "/health/live" -> health(exchange, runner.isLive());
                case "/health/ready" -> health(exchange, runner.isReady());
                case "/topology" -> json(exchange, 200, runner.describe());
                case "/metrics" -> text(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
                case "/inventory" -> inventoryPage(exchange, query);
                default -> {
                    if (path.startsWith("/inventory/") && path.length() > "/inventory/".length()) {
                        inventoryItem(exchange, URLDecoder.decode(path.substring("/inventory/".length()), StandardCharsets.UTF_8),
                                query.containsKey("local"));
                    } else {
                        json(exchange, 404, Map.of("error", "no such endpoint: " + path));
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("HTTP request {} failed", exchange.getRequestURI(), e);
            json(exchange, 500, Map.of("error", String.valueOf(e.getMessage())));
        }
    }

    private void health(HttpExchange exchange, boolean healthy) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", healthy ? "UP" : "DOWN");
        Map<String, String> states = new LinkedHashMap<>();
        runner.states().forEach((pipeline, state) -> states.put(pipeline.id(), state.name()));
        body.put("pipelines", states);
        json(exchange, healthy ? 200 : 503, body);
    }

    private void inventoryItem(HttpExchange exchange, String productId, boolean localOnly) throws IOException {
        if (inventory == null) {
            json(exchange, 404, Map.of("error", "this instance does not run the inventory pipeline"));
            return;
        }
        InventoryQueries.Answer answer = inventory.stock(productId, localOnly);
        if (answer instanceof InventoryQueries.Stock stock) {
            json(exchange, 200, Map.of("productId", stock.productId(), "stock", stock.stock()));
        } else if (answer instanceof InventoryQueries.NotFound missing) {
            json(exchange, 404, Map.of("error", "unknown product", "productId", missing.productId()));
        } else {
            unavailable(exchange, ((InventoryQueries.Unavailable) answer).reason());
        }
    }

    private void inventoryPage(HttpExchange exchange, Map<String, String> query) throws IOException {
        if (inventory == null) {
            json(exchange, 404, Map.of("error", "this instance does not run the inventory pipeline"));
            return;
        }
        int limit;
        try {
            limit = Math.min(MAX_PAGE, Math.max(1, Integer.parseInt(query.getOrDefault("limit", String.valueOf(DEFAULT_PAGE)))));
        } catch (NumberFormatException e) {
            json(exchange, 400, Map.of("error", "limit must be a number"));
            return;
        }
        try {
            InventoryQueries.Page page = inventory.page(query.get("after"), limit, query.containsKey("local"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("items", page.items());
            body.put("next", page.next());
            json(exchange, 200, body);
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException | IllegalStateException e) {
            unavailable(exchange, e.getMessage());
        }
    }

    private static void unavailable(HttpExchange exchange, String reason) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", RETRY_AFTER_SECONDS);
        json(exchange, 503, Map.of("error", "unavailable, retry", "reason", reason));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            params.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        text(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    private static void text(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
